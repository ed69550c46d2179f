package io.sluice.transport.tcp;

import io.sluice.transport.StreamServerBuilder;
import io.sluice.transport.internal.BuilderFactories;
import io.sluice.transport.internal.Checks;
import java.util.Objects;

/**
 * Configuration of a TCP {@link TcpSource} (server) or {@link TcpSink} (client); obtained from
 * {@code io.sluice.transport.Transports.tcp()}. Defaults: host {@code 127.0.0.1}, port 0 (an
 * ephemeral port for a source), {@link Framing#newline()} (what {@code socat} or {@code nc} send;
 * the YAML {@code tcp} endpoint has the same default), maximum frame 1 MiB, at most 64
 * concurrent connections, per-connection prefetch 32, no event dispatcher.
 */
public final class TcpBuilder extends StreamServerBuilder<TcpBuilder> {

    /** Default maximum frame length: 1 MiB. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 1 << 20;

    Framing framing = Framing.newline();
    int maxFrameLength = DEFAULT_MAX_FRAME_LENGTH;
    int prefetch = 32;
    boolean acks;

    static {
        BuilderFactories.register(TcpBuilder.class, TcpBuilder::new);
    }

    /** Package-private: obtain a builder from {@code Transports.tcp()} (see {@link BuilderFactories}). */
    TcpBuilder() {
        super(64);
    }

    /**
     * @param f framing of the byte stream
     * @return this
     */
    public TcpBuilder framing(Framing f) {
        this.framing = Objects.requireNonNull(f, "framing");
        return this;
    }

    /**
     * @param max largest payload in bytes (the length prefix or newline not counted), at least 1
     * @return this
     */
    public TcpBuilder maxFrameLength(int max) {
        this.maxFrameLength = Checks.atLeast("maxFrameLength", max, 1);
        return this;
    }

    /**
     * @param n messages requested ahead from each connection of a source, at least 1
     * @return this
     */
    public TcpBuilder prefetch(int n) {
        this.prefetch = Checks.atLeast("prefetch", n, 1);
        return this;
    }

    /**
     * Acknowledgement mode of a source: the source writes back to each connection an 8-byte
     * big-endian count of its messages acknowledged so far (see {@code ConnectionAcks}): made durable
     * by a persistent overflow stage, or taken by the sink's destination. Off by default (then the
     * source never writes to its connections).
     *
     * @param on whether the source acknowledges
     * @return this
     */
    public TcpBuilder acks(boolean on) {
        this.acks = on;
        return this;
    }

    /** @return a server source with this configuration */
    public TcpSource source() {
        return new TcpSource(this);
    }

    /** @return a client sink with this configuration */
    public TcpSink sink() {
        return new TcpSink(this);
    }
}
