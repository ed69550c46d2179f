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
 * pipeline demand, 5 s drain on stop, 8 concurrent unary calls per sink, a source closes a
 * connection without calls for 5 min ({@code idleTimeout}, gRPC's {@code maxConnectionIdle}), pings
 * a silent connection after 60 s and closes it when the ping is not answered in 20 s, closes a
 * connection that has not finished its TLS and HTTP/2 handshake in 10 s, and refuses client pings more
 * frequent than every 20 s, no event dispatcher; a streaming sink sends batches of at most 256
 * messages and 64 KiB ({@link #batch(int, int)}).
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
    int batchMessages = DEFAULT_BATCH_MESSAGES;
    int batchBytes = DEFAULT_BATCH_BYTES;
    int maxCallsPerConnection = 128;
    int flowControlWindow = 1 << 20;
    Duration unaryWait = Duration.ofSeconds(10);
    Duration drainTimeout = Duration.ofSeconds(5);
    Duration keepAliveTime = DEFAULT_KEEPALIVE_TIME;
    Duration keepAliveTimeout = DEFAULT_KEEPALIVE_TIMEOUT;
    Duration permitKeepAliveTime = DEFAULT_PERMIT_KEEPALIVE_TIME;
    Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;

    /** Default {@code maxMessages} of {@link #batch(int, int)}: 256. */
    public static final int DEFAULT_BATCH_MESSAGES = 256;
    /**
     * Default {@code maxBytes} of {@link #batch(int, int)}: 64 KiB, enough to spread grpc-java's per-message cost
     * thin, small beside the source's 1 MiB flow-control window, so that several batches are in flight.
     */
    public static final int DEFAULT_BATCH_BYTES = 64 << 10;
    /** Default {@link #keepAliveTime(Duration)}: 60 s. */
    public static final Duration DEFAULT_KEEPALIVE_TIME = Duration.ofSeconds(60);
    /** Smallest {@link #keepAliveTime(Duration)} but zero: grpc-java raises any shorter server keepalive to 10 s. */
    public static final Duration MIN_KEEPALIVE_TIME = Duration.ofSeconds(10);
    /** Default {@link #handshakeTimeout(Duration)}: 10 s (grpc-java's own default is 120 s). */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Default {@link #keepAliveTimeout(Duration)}: 20 s. */
    public static final Duration DEFAULT_KEEPALIVE_TIMEOUT = Duration.ofSeconds(20);
    /** Default {@link #permitKeepAliveTime(Duration)}: 20 s. */
    public static final Duration DEFAULT_PERMIT_KEEPALIVE_TIME = Duration.ofSeconds(20);

    static {
        BuilderFactories.register(GrpcBuilder.class, GrpcBuilder::new);
    }

    /** Package-private: obtain a builder from {@code Transports.grpc()} (see {@link BuilderFactories}). */
    GrpcBuilder() {
        super(256);
    }

    /**
     * @param bytes largest serialized gRPC message (an envelope, or on the batch methods a batch of
     *              envelopes) accepted (source) or received (sink); larger inbound messages fail their
     *              call with {@code RESOURCE_EXHAUSTED}
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
     * @param time a source pings a client connection from which nothing was read for this long
     *             (HTTP/2 PING), at least {@link #MIN_KEEPALIVE_TIME}; {@link Duration#ZERO}: never
     * @return this
     */
    public GrpcBuilder keepAliveTime(Duration time) {
        Checks.notNegative("keepAliveTime", time);
        if (!time.isZero() && time.compareTo(MIN_KEEPALIVE_TIME) < 0) {
            throw new IllegalArgumentException("keepAliveTime: at least " + MIN_KEEPALIVE_TIME.toSeconds()
                    + "s (grpc-java's smallest server keepalive: it would raise " + time.toMillis()
                    + " ms to that), or 0s for never; idleTimeout (at least 1s) closes connections without calls");
        }
        this.keepAliveTime = time;
        return this;
    }

    /**
     * @param timeout a source closes a connection that has not finished its handshake within this long:
     *                TLS when configured, then HTTP/2 (the client preface and its first SETTINGS frame);
     *                positive
     * @return this
     */
    public GrpcBuilder handshakeTimeout(Duration timeout) {
        this.handshakeTimeout = Checks.positive("handshakeTimeout", timeout);
        return this;
    }

    /**
     * @param timeout a source closes a connection whose keepalive ping is not answered within this long
     * @return this
     */
    public GrpcBuilder keepAliveTimeout(Duration timeout) {
        this.keepAliveTimeout = Checks.positive("keepAliveTimeout", timeout);
        return this;
    }

    /**
     * @param time the shortest interval between a client's keepalive pings that a source accepts
     *             (while calls are open; without calls pings are not permitted); a client pinging
     *             more often gets {@code GOAWAY ENHANCE_YOUR_CALM "too_many_pings"} and is closed
     * @return this
     */
    public GrpcBuilder permitKeepAliveTime(Duration time) {
        this.permitKeepAliveTime = Checks.notNegative("permitKeepAliveTime", time);
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

    /**
     * Batching of a streaming sink ({@code STREAM}, {@code EXCHANGE}): each gRPC request message carries
     * the messages at hand, up to {@code maxMessages} envelopes and {@code maxBytes} serialized bytes,
     * on the {@code SendBatches}/{@code ExchangeBatches} methods; a batch never waits to fill. Keep
     * {@code maxBytes} below the server's maximum message size (an envelope larger than {@code maxBytes}
     * goes alone, in a batch at most 6 bytes larger).
     *
     * @param maxMessages envelopes per request message, at least 1; 1: batching off, one envelope per
     *                    request message on {@code SendStream}/{@code Exchange} (what servers without the
     *                    batch methods understand)
     * @param maxBytes serialized envelope bytes per batch, at least 1
     * @return this
     */
    public GrpcBuilder batch(int maxMessages, int maxBytes) {
        this.batchMessages = Checks.atLeast("batch maxMessages", maxMessages, 1);
        this.batchBytes = Checks.atLeast("batch maxBytes", maxBytes, 1);
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
