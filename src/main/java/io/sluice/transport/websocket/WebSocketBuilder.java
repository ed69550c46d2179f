package io.sluice.transport.websocket;

import io.sluice.transport.StreamServerBuilder;
import io.sluice.transport.internal.BuilderFactories;
import io.sluice.transport.internal.Checks;

/**
 * Configuration of a {@link WebSocketSource} (server) or {@link WebSocketSink} (client); obtained
 * from {@code io.sluice.transport.Transports.websocket()}. Defaults: host {@code 127.0.0.1}, port 0,
 * path {@code /ws}, maximum message 1 MiB, at most 64 concurrent connections (further upgrade
 * requests get HTTP 503), per-connection prefetch 32, no event dispatcher.
 */
public final class WebSocketBuilder extends StreamServerBuilder<WebSocketBuilder> {

    String path = "/ws";
    int maxFrameLength = 1 << 20;
    int prefetch = 32;

    static {
        BuilderFactories.register(WebSocketBuilder.class, WebSocketBuilder::new);
    }

    /** Package-private: obtain a builder from {@code Transports.websocket()} (see {@link BuilderFactories}). */
    WebSocketBuilder() {
        super(64);
    }

    /**
     * @param p the WebSocket endpoint path, starting with {@code /}
     * @return this
     */
    public WebSocketBuilder path(String p) {
        this.path = Checks.path(p);
        return this;
    }

    /**
     * @param max largest message in bytes: the maximum frame payload, and the maximum size of a
     *            message aggregated from continuation frames
     * @return this
     */
    public WebSocketBuilder maxFrameLength(int max) {
        this.maxFrameLength = Checks.atLeast("maxFrameLength", max, 1);
        return this;
    }

    /**
     * @param n messages requested ahead from each connection, at least 1
     * @return this
     */
    public WebSocketBuilder prefetch(int n) {
        this.prefetch = Checks.atLeast("prefetch", n, 1);
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
