package io.sluice.transport.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.event.EventDispatcher;
import io.sluice.gateway.ConfigError;
import io.sluice.gateway.ConfigException;
import io.sluice.gateway.GatewayConfig;
import io.sluice.transport.spi.EndpointContext;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Issue 17: the {@code retry} and {@code deadLetter} options of sinks and pipelines in the gateway YAML. */
class ResilienceConfigTest {

    private static String pipeline(String sink, String extra) {
        return "pipelines:\n"
                + "  - name: p\n"
                + "    source: {type: generator, count: 1}\n"
                + extra
                + "    sink: " + sink + "\n";
    }

    @Test
    void retryAndDeadLetterWrapTheSink() throws Exception {
        GatewayConfig c = GatewayConfig.parse(pipeline(
                "{type: tcp, port: 7000, retry: {initial: 50ms, max: 2s, maxAttempts: 5}, deadLetter: {path: d.log}}", ""));
        GatewayConfig.Endpoint sink = c.pipelines().get(0).sink();
        assertThat(RetryPolicy.of(sink.options().group("retry")))
                .isEqualTo(new RetryPolicy(Duration.ofMillis(50), Duration.ofSeconds(2), 5));
        assertThat(sink.sink(new EndpointContext("p", new EventDispatcher(), System.out)))
                .isInstanceOf(ResilientSink.class);
    }

    @Test
    void theDefaultsAreThoseOfTheIssue() throws Exception {
        GatewayConfig c = GatewayConfig.parse(pipeline("{type: tcp, port: 7000, retry: {}}", ""));
        assertThat(RetryPolicy.of(c.pipelines().get(0).sink().options().group("retry"))).isEqualTo(RetryPolicy.DEFAULT);
        assertThat(RetryPolicy.DEFAULT).isEqualTo(new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(10), -1));
    }

    @Test
    void withoutEitherTheSinkIsNotWrapped() throws Exception {
        GatewayConfig c = GatewayConfig.parse(pipeline("{type: tcp, port: 7000}", ""));
        assertThat(c.pipelines().get(0).sink().sink(new EndpointContext("p", new EventDispatcher(), System.out)))
                .isNotInstanceOf(ResilientSink.class);
    }

    @Test
    void aPipelinesDeadLetterGoesToItsSink() throws Exception {
        GatewayConfig c = GatewayConfig.parse(pipeline("{type: tcp, port: 7000}", "    deadLetter: {path: p.log}\n"));
        assertThat(c.pipelines().get(0).sink().options().group("deadLetter").string("path")).isEqualTo("p.log");
    }

    @Test
    void badValuesAreReportedWithTheirLine() {
        assertThatThrownBy(() -> GatewayConfig.parse(pipeline("{type: tcp, port: 7000, retry: {maxAttempts: 0}}", "")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).singleElement()
                        .satisfies(err -> {
                            assertThat(err.line()).isEqualTo(4);
                            assertThat(err.message()).contains("maxAttempts must be -1");
                        }));
        assertThatThrownBy(() -> GatewayConfig.parse(pipeline("{type: tcp, port: 7000, retry: {initial: 5s, max: 1s}}", "")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).extracting(ConfigError::message)
                        .anySatisfy(m -> assertThat(m).contains("initial <= max")));
        assertThatThrownBy(() -> GatewayConfig.parse(pipeline("{type: tcp, port: 7000, deadLetter: {}}", "")))
                .isInstanceOf(ConfigException.class);
    }
}
