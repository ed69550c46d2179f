package io.sluice.transport.tcp;

import io.sluice.event.EventDispatcher;
import java.util.Objects;

/**
 * Configuration of a TCP {@link TcpSource} (server) or {@link TcpSink} (client); obtained from
 * {@code io.sluice.transport.Transports.tcp()}. Defaults: host {@code 127.0.0.1}, port 0 (an
 * ephemeral port for a source), {@link Framing#lengthPrefixed()}, maximum frame 1 MiB, at most 64
 * concurrent connections, per-connection prefetch 32, no event dispatcher.
 */
public final class TcpBuilder {

    /** Default maximum frame length: 1 MiB. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 1 << 20;

    String host = "127.0.0.1";
    int port;
    Framing framing = Framing.lengthPrefixed();
    int maxFrameLength = DEFAULT_MAX_FRAME_LENGTH;
    int maxConnections = 64;
    int prefetch = 32;
    EventDispatcher events;

    /** Use {@code Transports.tcp()}. */
    public TcpBuilder() {
    }

    /**
     * @param h host to bind (source) or connect to (sink)
     * @return this
     */
    public TcpBuilder host(String h) {
        this.host = Objects.requireNonNull(h, "host");
        return this;
    }

    /**
     * @param p port; 0 lets a source pick an ephemeral port
     * @return this
     */
    public TcpBuilder port(int p) {
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port out of range: " + p);
        }
        this.port = p;
        return this;
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
        if (max < 1) {
            throw new IllegalArgumentException("maxFrameLength must be >= 1, was " + max);
        }
        this.maxFrameLength = max;
        return this;
    }

    /**
     * @param max connections a source serves at once; further connections are closed at once with
     *            a {@code ConnectionError} event
     * @return this
     */
    public TcpBuilder maxConnections(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxConnections must be >= 1, was " + max);
        }
        this.maxConnections = max;
        return this;
    }

    /**
     * @param n messages requested ahead from each connection of a source, at least 1
     * @return this
     */
    public TcpBuilder prefetch(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("prefetch must be >= 1, was " + n);
        }
        this.prefetch = n;
        return this;
    }

    /**
     * @param dispatcher receives connection events; null for none
     * @return this
     */
    public TcpBuilder events(EventDispatcher dispatcher) {
        this.events = dispatcher;
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
