package io.sluice.transport.rsocket;

import io.sluice.transport.StreamServerBuilder;
import io.sluice.transport.internal.BuilderFactories;
import io.sluice.transport.internal.Checks;
import java.util.Objects;

/**
 * Configuration of the RSocket transport over TCP (rsocket-java 1.1.5); obtained from
 * {@code io.sluice.transport.Transports.rsocket()}. Defaults: host {@code 127.0.0.1}, port 0
 * (ephemeral, for a source), request-channel sink, per-stream prefetch 32, at most 256 concurrent
 * channels per source, at most 256 connections per source, fire-and-forget buffer 1024, largest
 * inbound message 1 MiB, no event dispatcher.
 */
public final class RSocketBuilder extends StreamServerBuilder<RSocketBuilder> {

    /** How an {@link RSocketSink} sends. */
    public enum Mode {
        /** One fire-and-forget frame per message; no flow control. */
        FIRE_AND_FORGET,
        /** One request-channel stream per write; the receiver's demand travels back as request-n. */
        CHANNEL,
        /**
         * Request-stream, roles reversed: the sink is a server broadcasting the written messages to
         * every subscriber's request-stream (lossless, paced by the slowest subscriber's
         * request-n); the source is a client that sends one request-stream and emits the answers.
         */
        STREAM,
        /**
         * One request-response per message (at most {@code prefetch} in flight), acknowledged when
         * the receiver answers: an error answer fails the write, and a
         * {@link io.sluice.transport.resilience.ResilientSink} sends the message again.
         */
        REQUEST_RESPONSE
    }

    Mode mode = Mode.CHANNEL;
    int prefetch = 32;
    int maxStreams = 256;
    int fireAndForgetBuffer = 1024;
    java.time.Duration ackTimeout = java.time.Duration.ofSeconds(10);
    int maxMessageSize = 1 << 20;
    boolean webSocket;

    static {
        BuilderFactories.register(RSocketBuilder.class, RSocketBuilder::new);
    }

    /** Package-private: obtain a builder from {@code Transports.rsocket()} (see {@link BuilderFactories}). */
    RSocketBuilder() {
        super(256);
    }

    /**
     * @param on carry RSocket over WebSocket (rsocket-java's WebSocket transport, path {@code /})
     *     instead of plain TCP; source and sink must agree (default false: TCP)
     * @return this
     */
    public RSocketBuilder webSocket(boolean on) {
        this.webSocket = on;
        return this;
    }

    /**
     * @param m fire-and-forget or request-channel sink
     * @return this
     */
    public RSocketBuilder mode(Mode m) {
        this.mode = Objects.requireNonNull(m, "mode");
        return this;
    }

    /**
     * @param n messages a source requests ahead from each channel (sent as request-n), at least 1
     * @return this
     */
    public RSocketBuilder prefetch(int n) {
        this.prefetch = Checks.atLeast("prefetch", n, 1);
        return this;
    }

    /**
     * @param n channels a source reads from at once, at least 1
     * @return this
     */
    public RSocketBuilder maxConcurrentStreams(int n) {
        this.maxStreams = Checks.atLeast("maxConcurrentStreams", n, 1);
        return this;
    }

    /**
     * @param n fire-and-forget messages a source buffers while the pipeline lags (Reactor rounds the
     *          queue up to a power of two); more are dropped and counted ({@code metrics().lost()}),
     *          at least 1
     * @return this
     */
    public RSocketBuilder fireAndForgetBuffer(int n) {
        this.fireAndForgetBuffer = Checks.atLeast("fireAndForgetBuffer", n, 1);
        return this;
    }

    /**
     * @param timeout longest wait of a request-response message for its acknowledgement when the
     *                pipeline has a persistent stage (durable), before the request is answered with
     *                an error (default 10 s, at least {@code AwaitedAck.MIN_WAIT}: 1 s)
     * @return this
     */
    public RSocketBuilder ackTimeout(java.time.Duration timeout) {
        this.ackTimeout = Checks.positive("ackTimeout", timeout);
        return this;
    }

    /**
     * @param bytes largest inbound payload, data plus Sluice metadata (default 1 MiB, at most
     *              16 MiB - 64: RSocket frame lengths are 24-bit). A larger payload fails its
     *              request-channel (the sender's write errors; other streams and connections go on)
     *              or, for fire-and-forget, is skipped; a frame larger than this plus 64 bytes of
     *              frame header is refused by the transport, which closes that connection. Both are
     *              counted as errors and reported as {@code ConnectionError}.
     * @return this
     */
    public RSocketBuilder maxMessageSize(int bytes) {
        if (bytes < 1 || bytes > Endpoints.MAX_MESSAGE_SIZE) {
            throw new IllegalArgumentException("maxMessageSize must be in [1, " + Endpoints.MAX_MESSAGE_SIZE + "], was " + bytes);
        }
        this.maxMessageSize = bytes;
        return this;
    }

    /** @return a source: a server, or in {@link Mode#STREAM} a request-stream client */
    public RSocketSource source() {
        return new RSocketSource(this);
    }

    /** @return a sink: a client, or in {@link Mode#STREAM} a request-stream server */
    public RSocketSink sink() {
        return new RSocketSink(this);
    }
}
