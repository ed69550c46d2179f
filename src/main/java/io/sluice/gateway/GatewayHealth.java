package io.sluice.gateway;

import io.sluice.event.EventDispatcher;
import io.sluice.event.PipelineStopped;
import io.sluice.health.HealthState;
import io.sluice.pipeline.PipelineHandle;
import java.util.List;

/**
 * How a {@link Gateway} reports its pipelines to a {@link HealthState}: every pipeline is
 * registered (starting) before the first one starts, becomes running once its endpoints that bind
 * have bound, and stopped or failed when it ends ({@link PipelineStopped}).
 */
final class GatewayHealth {

    private GatewayHealth() {
    }

    static void register(HealthState health, List<GatewayConfig.PipelineSpec> specs, EventDispatcher events) {
        specs.forEach(s -> health.register(s.name()));
        events.on(PipelineStopped.class, e -> ended(health, e));
    }

    /** A pipeline started and bound; unless it ended in the meantime (a short generator), it runs. */
    static void running(HealthState health, String pipeline, PipelineHandle handle) {
        synchronized (health) { // HealthState's own lock: no end can slip between the check and the set
            if (handle.isRunning() && health.state(pipeline) == HealthState.PipelineState.STARTING) {
                health.running(pipeline);
            }
        }
    }

    /** Start-up failed (a bind): the gateway is about to be cancelled; it never becomes ready. */
    static void startFailed(HealthState health, RuntimeException e) {
        if (e instanceof GatewayStartException s && health.state(s.part()) != null) {
            health.failed(s.part(), oneLine(e.getMessage()));
        }
        health.draining();
    }

    private static void ended(HealthState health, PipelineStopped e) {
        if (health.state(e.pipeline()) == null) {
            return;
        }
        switch (e.outcome()) {
            case FAILED, DRAIN_TIMEOUT -> health.failed(e.pipeline(), e.outcome().name().toLowerCase(java.util.Locale.ROOT)
                    + (e.error() == null ? "" : ": " + oneLine(String.valueOf(e.error().getMessage()))));
            default -> health.pipelineStopped(e.pipeline());
        }
    }

    private static String oneLine(String s) {
        String line = s == null ? "" : s.lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
