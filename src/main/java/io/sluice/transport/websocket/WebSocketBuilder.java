package io.sluice.transport.websocket;

import io.sluice.event.EventDispatcher;
import java.util.Objects;

/**
 * Configuration of a {@link WebSocketSource} (server) or {@link WebSocketSink} (client); obtained
 * from {@code io.sluice.transport.Transports.websocket()}. Defaults: host {@code 127.0.0.1}, port 0,
 * path {@code /ws}, maximum message 1 MiB, at most 64 concurrent connections, per-connection
 * prefetch 32, no event dispatcher.
 */
public final class WebSocketBuilder {

    String host = "127.0.0.1";
    int port;
    String path = "/ws";
    int maxFrameLength = 1 << 20;
    int maxConnections = 64;
    int prefetch = 32;
    EventDispatcher events;

    /** Use {@code Transports.websocket()}. */
    public WebSocketBuilder() {
    }

    /**
     * @param h host to bind (source) or connect to (sink)
     * @return this
     */
    public WebSocketBuilder host(String h) {
        this.host = Objects.requireNonNull(h, "host");
        return this;
    }

    /**
     * @param p port; 0 lets a source pick an ephemeral port
     * @return this
     */
    public WebSocketBuilder port(int p) {
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port out of range: " + p);
        }
        this.port = p;
        return this;
    }

    /**
     * @param p the WebSocket endpoint path, starting with {@code /}
     * @return this
     */
    public WebSocketBuilder path(String p) {
        if (p == null || !p.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/': " + p);
        }
        this.path = p;
        return this;
    }

    /**
     * @param max largest message in bytes: the maximum frame payload, and the maximum size of a
     *            message aggregated from continuation frames
     * @return this
     */
    public WebSocketBuilder maxFrameLength(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxFrameLength must be >= 1, was " + max);
        }
        this.maxFrameLength = max;
        return this;
    }

    /**
     * @param max connections a source serves at once; further upgrade requests get HTTP 503 and
     *            a {@code ConnectionError} event
     * @return this
     */
    public WebSocketBuilder maxConnections(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxConnections must be >= 1, was " + max);
        }
        this.maxConnections = max;
        return this;
    }

    /**
     * @param n messages requested ahead from each connection, at least 1
     * @return this
     */
    public WebSocketBuilder prefetch(int n) {
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
    public WebSocketBuilder events(EventDispatcher dispatcher) {
        this.events = dispatcher;
        return this;
    }

    /** @return a server source */
    public WebSocketSource source() {
        return new WebSocketSource(this);
    }

    /** @return a client sink */
    public WebSocketSink sink() {
        return new WebSocketSink(this);
    }
}
