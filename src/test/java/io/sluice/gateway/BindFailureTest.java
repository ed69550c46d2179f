package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.event.EventDispatcher;
import io.sluice.event.PipelineStarted;
import io.sluice.event.PipelineStopped;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A ZeroMQ socket or an RSocket server that cannot bind stops the gateway's startup like a TCP or
 * HTTP source does (see {@code GatewayTest.aPortInUseStopsStartupWithOneLineAndLeavesNothingRunning}):
 * one line naming the pipeline, the endpoint, the protocol and the address, within a second, and
 * nothing started before it left running.
 */
class BindFailureTest {

    static Stream<Arguments> binders() {
        return Stream.of(
                Arguments.of("zmq-pull", "source", "source: {type: zmq-pull, endpoint: 'tcp://127.0.0.1:PORT'}",
                        "sink: {type: discard}"),
                Arguments.of("zmq-sub", "source", "source: {type: zmq-sub, endpoint: 'tcp://127.0.0.1:PORT'}",
                        "sink: {type: discard}"),
                Arguments.of("zmq-push", "sink", "source: {type: generator, count: 10, interval: 10ms}",
                        "sink: {type: zmq-push, endpoint: 'tcp://127.0.0.1:PORT', bind: true}"),
                Arguments.of("rsocket", "source", "source: {type: rsocket, host: 127.0.0.1, port: PORT}",
                        "sink: {type: discard}"),
                Arguments.of("rsocket", "sink", "source: {type: generator, count: 10, interval: 10ms}",
                        "sink: {type: rsocket, mode: stream, host: 127.0.0.1, port: PORT}"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("binders")
    @Timeout(30)
    void aBindFailureStopsStartupWithinASecondWithOneLineAndLeavesNothingRunning(String type, String role,
            String source, String sink) throws Exception {
        Set<String> socketThreadsBefore = socketThreads();
        int firstPort = Ports.freeTcpPort();
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            String yaml = "pipelines:\n"
                    + "  - name: first\n"
                    + "    source: {type: tcp, host: 127.0.0.1, port: " + firstPort + "}\n"
                    + "    sink: {type: discard}\n"
                    + "  - name: clash\n"
                    + "    " + source.replace("PORT", String.valueOf(port)) + "\n"
                    + "    " + sink.replace("PORT", String.valueOf(port)) + "\n";
            GatewayConfig config = GatewayConfig.parse(yaml);
            EventDispatcher events = new EventDispatcher();
            List<String> stopped = new CopyOnWriteArrayList<>();
            events.on(PipelineStopped.class, e -> stopped.add(e.pipeline()));
            java.util.concurrent.atomic.AtomicLong clashStarted = new java.util.concurrent.atomic.AtomicLong();
            events.on(PipelineStarted.class, e -> {
                if (e.pipeline().equals("clash")) {
                    clashStarted.set(System.nanoTime());
                }
            });
            assertThatThrownBy(() -> Gateway.start(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                            events, new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(GatewayStartException.class, e -> {
                        assertThat(e.part()).isEqualTo("clash");
                        assertThat(e.getMessage()).doesNotContain("\n")
                                .startsWith("pipeline 'clash' cannot start: its " + type + " " + role
                                        + " cannot bind TCP 127.0.0.1:" + port + ": ")
                                .containsIgnoringCase("in use");
                    });
            long failed = System.nanoTime();
            assertThat(clashStarted.get()).as("the clashing pipeline was started").isNotZero();
            assertThat(Duration.ofNanos(failed - clashStarted.get())).as("startup failed within a second of its start")
                    .isLessThan(Duration.ofSeconds(1));
            assertThat(stopped).containsExactlyInAnyOrder("first", "clash");
        }
        assertThat(Ports.released(firstPort)).as("the port of the pipeline started before the failure released")
                .isTrue();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!socketThreadsBefore.containsAll(socketThreads()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(socketThreads()).as("ZeroMQ socket threads left running").isSubsetOf(socketThreadsBefore);
    }

    /** @return the ZeroMQ threads alive now: Sluice's socket threads and JeroMQ's I/O and reaper threads */
    private static Set<String> socketThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("sluice-zmq") || t.getName().startsWith("iothread")
                        || t.getName().startsWith("reaper"))
                .map(t -> t.getName() + "#" + t.getId()).collect(Collectors.toSet());
    }
}
