package io.sluice.transport.grpc;

import io.sluice.transport.StreamServerBuilder;
import io.sluice.transport.internal.BuilderFactories;
import io.sluice.transport.internal.Checks;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the gRPC transport ({@code sluice.v1.Ingest}, see {@code src/main/proto/sluice.proto});
 * obtained from {@code io.sluice.transport.Transports.grpc()}. Defaults: host
 * {@code 127.0.0.1}, port 0 (ephemeral, for a source), maximum message 4 MiB, client-streaming
 * sink, per-call prefetch 32, at most 256 client connections and 256 concurrent calls per source, at
 * most 128 concurrent calls per client connection, HTTP/2 flow-control window 1 MiB, unary calls wait at most 10 s for
 * pipeline demand, 5 s drain on stop, 8 concurrent unary calls per sink, no event dispatcher.
 */
public final class GrpcBuilder extends StreamServerBuilder<GrpcBuilder> {

    /** How a {@link GrpcSink} sends. */
    public enum Mode {
        /** One {@code Send} call per message. */
        UNARY,
        /** One {@code SendStream} call per write, acknowledged once at the end. */
        STREAM,
        /** One bidirectional {@code Exchange} call per write, each message acknowledged by the server. */
        EXCHANGE
    }

    int maxMessageSize = 4 << 20;
    Mode mode = Mode.STREAM;
    int prefetch = 32;
    int maxCalls = 256;
    int unaryConcurrency = 8;
    int maxCallsPerConnection = 128;
    int flowControlWindow = 1 << 20;
    Duration unaryWait = Duration.ofSeconds(10);
    Duration drainTimeout = Duration.ofSeconds(5);

    static {
        BuilderFactories.register(GrpcBuilder.class, GrpcBuilder::new);
    }

    /** Package-private: obtain a builder from {@code Transports.grpc()} (see {@link BuilderFactories}). */
    GrpcBuilder() {
        super(256);
    }

    /**
     * @param bytes largest serialized envelope accepted (source) or received (sink); larger inbound
     *              messages fail their call with {@code RESOURCE_EXHAUSTED}
     * @return this
     */
    public GrpcBuilder maxMessageSize(int bytes) {
        this.maxMessageSize = Checks.atLeast("maxMessageSize", bytes, 1);
        return this;
    }

    /**
     * @param m unary or client-streaming sink
     * @return this
     */
    public GrpcBuilder mode(Mode m) {
        this.mode = Objects.requireNonNull(m, "mode");
        return this;
    }

    /**
     * @param n messages a source requests ahead from each call (gRPC flow control), at least 1
     * @return this
     */
    public GrpcBuilder prefetch(int n) {
        this.prefetch = Checks.atLeast("prefetch", n, 1);
        return this;
    }

    /**
     * @param n calls a source reads from at once; further calls wait, at least 1
     * @return this
     */
    public GrpcBuilder maxConcurrentCalls(int n) {
        this.maxCalls = Checks.atLeast("maxConcurrentCalls", n, 1);
        return this;
    }

    /**
     * @param n calls one client connection may have open on a source at once (HTTP/2
     *          {@code SETTINGS_MAX_CONCURRENT_STREAMS}); further calls wait in the client, at least 1
     * @return this
     */
    public GrpcBuilder maxConcurrentCallsPerConnection(int n) {
        this.maxCallsPerConnection = Checks.atLeast("maxConcurrentCallsPerConnection", n, 1);
        return this;
    }

    /**
     * @param bytes HTTP/2 flow-control window of a source, per call and per connection (fixed: grpc-java's
     *              automatic window tuning is off, so unread bytes per connection stay bounded by it), at
     *              least 65535
     * @return this
     */
    public GrpcBuilder flowControlWindow(int bytes) {
        this.flowControlWindow = Checks.atLeast("flowControlWindow", bytes, 65535);
        return this;
    }

    /**
     * @param wait how long a source lets a unary call wait for pipeline demand before failing it with
     *             {@code RESOURCE_EXHAUSTED} (its request is not read while it waits), positive
     * @return this
     */
    public GrpcBuilder maxUnaryWait(Duration wait) {
        this.unaryWait = Checks.positive("maxUnaryWait", wait);
        return this;
    }

    /**
     * @param timeout how long a stopping source lets open calls finish before aborting them, not negative
     * @return this
     */
    public GrpcBuilder drainTimeout(Duration timeout) {
        this.drainTimeout = Checks.notNegative("drainTimeout", timeout);
        return this;
    }

    /**
     * @param n unary calls a sink keeps in flight, at least 1
     * @return this
     */
    public GrpcBuilder unaryConcurrency(int n) {
        this.unaryConcurrency = Checks.atLeast("unaryConcurrency", n, 1);
        return this;
    }

    /** @return a server source with this configuration */
    public GrpcSource source() {
        return new GrpcSource(this);
    }

    /** @return a client sink with this configuration */
    public GrpcSink sink() {
        return new GrpcSink(this);
    }
}
