package io.sluice.health;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a load balancer asks a gateway: is the process alive ({@code GET /health/live}) and should it
 * get traffic ({@code GET /health/ready}), with per-pipeline state in a JSON body.
 *
 * <p>Ready means: start-up has finished ({@link #startupComplete()}), every registered pipeline is
 * {@link PipelineState#RUNNING} (its sources bound), and no stop has begun. It is false while starting
 * and from the moment {@link #draining()} is called, which the gateway does first when a stop (SIGTERM)
 * begins, before the sources stop accepting, so a balancer stops sending before anything is refused.
 * Live is true from construction until {@link #stopped()} (the process is about to exit).
 *
 * <p>Thread-safe; the admin server calls {@link #live()} and {@link #ready()} per request.
 */
public final class HealthState {

    /** A pipeline's state. */
    public enum PipelineState {
        /** Registered, sources not yet bound. */
        STARTING,
        /** Sources bound, flowing. */
        RUNNING,
        /** Stop begun: finishing what it holds. */
        DRAINING,
        /** Finished normally. */
        STOPPED,
        /** Stopped with an error (see the detail). */
        FAILED
    }

    /**
     * An HTTP answer.
     *
     * @param status 200 or 503
     * @param json the body, {@code application/json}
     */
    public record Response(int status, String json) {
    }

    private static final JsonFactory JSON = new JsonFactory();

    private final Map<String, PipelineState> states = new LinkedHashMap<>();
    private final Map<String, String> details = new LinkedHashMap<>();
    private boolean startupComplete;
    private boolean draining;
    private boolean stopped;

    /**
     * @param pipeline a pipeline's name
     * @throws IllegalArgumentException when it is registered already
     */
    public synchronized void register(String pipeline) {
        Objects.requireNonNull(pipeline, "pipeline");
        if (states.putIfAbsent(pipeline, PipelineState.STARTING) != null) {
            throw new IllegalArgumentException("pipeline '" + pipeline + "' is registered already");
        }
    }

    /** @param pipeline a registered pipeline whose sources are all bound and which is flowing */
    public void running(String pipeline) {
        set(pipeline, PipelineState.RUNNING, null);
    }

    /** @param pipeline a registered pipeline that completed normally */
    public void pipelineStopped(String pipeline) {
        set(pipeline, PipelineState.STOPPED, null);
    }

    /**
     * @param pipeline a registered pipeline that ended with an error
     * @param reason one line, shown in the body
     */
    public void failed(String pipeline, String reason) {
        set(pipeline, PipelineState.FAILED, reason);
    }

    /** Start-up has finished (every bind attempted); readiness now follows the pipelines. */
    public synchronized void startupComplete() {
        startupComplete = true;
    }

    /** A stop has begun: not ready from now on, and every running pipeline shows as draining. */
    public synchronized void draining() {
        draining = true;
        states.replaceAll((name, s) -> s == PipelineState.RUNNING || s == PipelineState.STARTING
                ? PipelineState.DRAINING : s);
    }

    /** The process is about to exit: not live any more. */
    public synchronized void stopped() {
        draining = true;
        stopped = true;
    }

    /** @return 200 while the process serves, else 503 */
    public synchronized Response live() {
        return new Response(stopped ? 503 : 200, body(stopped ? "stopped" : "live"));
    }

    /** @return 200 when ready for traffic, else 503, with per-pipeline states */
    public synchronized Response ready() {
        boolean ready = isReady();
        return new Response(ready ? 200 : 503, body(ready ? "ready"
                : draining ? "draining" : startupComplete ? "not ready" : "starting"));
    }

    /** @return whether the gateway should get traffic now */
    public synchronized boolean isReady() {
        return startupComplete && !draining
                && states.values().stream().allMatch(s -> s == PipelineState.RUNNING);
    }

    /**
     * @param pipeline a pipeline
     * @return its state, or null when unknown
     */
    public synchronized PipelineState state(String pipeline) {
        return states.get(pipeline);
    }

    private synchronized void set(String pipeline, PipelineState state, String detail) {
        PipelineState old = states.get(pipeline);
        if (old == null) {
            throw new IllegalArgumentException("pipeline '" + pipeline + "' is not registered");
        }
        if (draining && state == PipelineState.RUNNING) {
            return; // a late bind does not make a draining gateway ready again
        }
        states.put(pipeline, state);
        if (detail == null) {
            details.remove(pipeline);
        } else {
            details.put(pipeline, detail);
        }
    }

    private String body(String status) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("status", status);
            g.writeArrayFieldStart("pipelines");
            for (Map.Entry<String, PipelineState> e : states.entrySet()) {
                g.writeStartObject();
                g.writeStringField("name", e.getKey());
                g.writeStringField("state", e.getValue().name().toLowerCase(java.util.Locale.ROOT));
                String detail = details.get(e.getKey());
                if (detail != null) {
                    g.writeStringField("detail", detail);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
