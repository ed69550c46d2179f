package io.sluice.transport.grpc;

import io.sluice.event.EventDispatcher;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the gRPC transport ({@code sluice.v1.Ingest}, see {@code src/main/proto/sluice.proto});
 * obtained from {@code io.sluice.transport.Transports.grpc()}. Defaults: host
 * {@code 127.0.0.1}, port 0 (ephemeral, for a source), maximum message 4 MiB, client-streaming
 * sink, per-call prefetch 32, at most 256 concurrent calls per source, at most 128 concurrent calls
 * per client connection, HTTP/2 flow-control window 1 MiB, unary calls wait at most 10 s for
 * pipeline demand, 5 s drain on stop, 8 concurrent unary calls per sink, no event dispatcher.
 */
public final class GrpcBuilder {

    /** How a {@link GrpcSink} sends. */
    public enum Mode {
        /** One {@code Send} call per message. */
        UNARY,
        /** One {@code SendStream} call per write, acknowledged once at the end. */
        STREAM
    }

    String host = "127.0.0.1";
    int port;
    int maxMessageSize = 4 << 20;
    Mode mode = Mode.STREAM;
    int prefetch = 32;
    int maxCalls = 256;
    int unaryConcurrency = 8;
    int maxCallsPerConnection = 128;
    int flowControlWindow = 1 << 20;
    Duration unaryWait = Duration.ofSeconds(10);
    Duration drainTimeout = Duration.ofSeconds(5);
    EventDispatcher events;

    /** Use {@code Transports.grpc()}. */
    public GrpcBuilder() {
    }

    /**
     * @param h host to bind (source) or connect to (sink)
     * @return this
     */
    public GrpcBuilder host(String h) {
        this.host = Objects.requireNonNull(h, "host");
        return this;
    }

    /**
     * @param p port; 0 lets a source pick an ephemeral port
     * @return this
     */
    public GrpcBuilder port(int p) {
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port out of range: " + p);
        }
        this.port = p;
        return this;
    }

    /**
     * @param bytes largest serialized envelope accepted (source) or received (sink); larger inbound
     *              messages fail their call with {@code RESOURCE_EXHAUSTED}
     * @return this
     */
    public GrpcBuilder maxMessageSize(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxMessageSize must be >= 1, was " + bytes);
        }
        this.maxMessageSize = bytes;
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
        if (n < 1) {
            throw new IllegalArgumentException("prefetch must be >= 1, was " + n);
        }
        this.prefetch = n;
        return this;
    }

    /**
     * @param n calls a source reads from at once; further calls wait, at least 1
     * @return this
     */
    public GrpcBuilder maxConcurrentCalls(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxConcurrentCalls must be >= 1, was " + n);
        }
        this.maxCalls = n;
        return this;
    }

    /**
     * @param n calls one client connection may have open on a source at once (HTTP/2
     *          {@code SETTINGS_MAX_CONCURRENT_STREAMS}); further calls wait in the client, at least 1
     * @return this
     */
    public GrpcBuilder maxConcurrentCallsPerConnection(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxConcurrentCallsPerConnection must be >= 1, was " + n);
        }
        this.maxCallsPerConnection = n;
        return this;
    }

    /**
     * @param bytes HTTP/2 flow-control window of a source, per call and per connection (fixed: grpc-java's
     *              automatic window tuning is off, so unread bytes per connection stay bounded by it), at
     *              least 65535
     * @return this
     */
    public GrpcBuilder flowControlWindow(int bytes) {
        if (bytes < 65535) {
            throw new IllegalArgumentException("flowControlWindow must be >= 65535, was " + bytes);
        }
        this.flowControlWindow = bytes;
        return this;
    }

    /**
     * @param wait how long a source lets a unary call wait for pipeline demand before failing it with
     *             {@code RESOURCE_EXHAUSTED} (its request is not read while it waits), positive
     * @return this
     */
    public GrpcBuilder maxUnaryWait(Duration wait) {
        if (wait.isNegative() || wait.isZero()) {
            throw new IllegalArgumentException("maxUnaryWait must be positive, was " + wait);
        }
        this.unaryWait = wait;
        return this;
    }

    /**
     * @param timeout how long a stopping source lets open calls finish before aborting them, not negative
     * @return this
     */
    public GrpcBuilder drainTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout must not be negative, was " + timeout);
        }
        this.drainTimeout = timeout;
        return this;
    }

    /**
     * @param n unary calls a sink keeps in flight, at least 1
     * @return this
     */
    public GrpcBuilder unaryConcurrency(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("unaryConcurrency must be >= 1, was " + n);
        }
        this.unaryConcurrency = n;
        return this;
    }

    /**
     * @param dispatcher receives call opened/closed/error events; null for none
     * @return this
     */
    public GrpcBuilder events(EventDispatcher dispatcher) {
        this.events = dispatcher;
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
