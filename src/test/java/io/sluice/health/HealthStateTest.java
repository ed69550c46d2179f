package io.sluice.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Readiness follows start-up, every pipeline and the stop; liveness until exit; JSON bodies. */
class HealthStateTest {

    @Test
    void readyOnlyAfterStartupWithEveryPipelineRunningAndNotDraining() {
        HealthState h = new HealthState();
        h.register("orders");
        h.register("metrics");
        assertThat(h.live()).isEqualTo(new HealthState.Response(200,
                "{\"status\":\"live\",\"pipelines\":[{\"name\":\"orders\",\"state\":\"starting\"},"
                        + "{\"name\":\"metrics\",\"state\":\"starting\"}]}"));
        assertThat(h.ready().status()).isEqualTo(503);
        assertThat(h.ready().json()).startsWith("{\"status\":\"starting\"");

        h.running("orders");
        h.startupComplete();
        assertThat(h.ready().status()).as("metrics not bound yet").isEqualTo(503);
        assertThat(h.ready().json()).startsWith("{\"status\":\"not ready\"");
        h.running("metrics");
        assertThat(h.ready()).isEqualTo(new HealthState.Response(200,
                "{\"status\":\"ready\",\"pipelines\":[{\"name\":\"orders\",\"state\":\"running\"},"
                        + "{\"name\":\"metrics\",\"state\":\"running\"}]}"));

        h.draining();
        assertThat(h.ready().status()).isEqualTo(503);
        assertThat(h.ready().json()).startsWith("{\"status\":\"draining\"").contains("\"state\":\"draining\"");
        h.running("metrics");
        assertThat(h.isReady()).as("a late bind does not undo draining").isFalse();
        assertThat(h.live().status()).as("still serving while draining").isEqualTo(200);

        h.pipelineStopped("orders");
        h.failed("metrics", "sink \"x\" refused");
        assertThat(h.ready().json()).contains("{\"name\":\"orders\",\"state\":\"stopped\"}",
                "{\"name\":\"metrics\",\"state\":\"failed\",\"detail\":\"sink \\\"x\\\" refused\"}");
        h.stopped();
        assertThat(h.live().status()).isEqualTo(503);
    }

    @Test
    void aFailedPipelineMakesTheGatewayNotReady() {
        HealthState h = new HealthState();
        h.register("p");
        h.running("p");
        h.startupComplete();
        assertThat(h.isReady()).isTrue();
        h.failed("p", "bind failed: address in use");
        assertThat(h.ready().status()).isEqualTo(503);
        assertThat(h.state("p")).isEqualTo(HealthState.PipelineState.FAILED);
    }

    @Test
    void noPipelinesIsReadyAfterStartupAndUnknownNamesAreErrors() {
        HealthState h = new HealthState();
        assertThat(h.isReady()).isFalse();
        h.startupComplete();
        assertThat(h.ready()).isEqualTo(new HealthState.Response(200, "{\"status\":\"ready\",\"pipelines\":[]}"));
        assertThatThrownBy(() -> h.running("nope")).hasMessageContaining("'nope' is not registered");
        h.register("a");
        assertThatThrownBy(() -> h.register("a")).hasMessageContaining("registered already");
    }
}
