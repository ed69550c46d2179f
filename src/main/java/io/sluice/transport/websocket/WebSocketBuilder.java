package io.sluice.transport.websocket;

import io.sluice.transport.StreamServerBuilder;
import io.sluice.transport.internal.BuilderFactories;
import io.sluice.transport.internal.Checks;
import java.time.Duration;

/**
 * Configuration of a {@link WebSocketSource} (server) or {@link WebSocketSink} (client); obtained
 * from {@code io.sluice.transport.Transports.websocket()}. Defaults: host {@code 127.0.0.1}, port 0,
 * path {@code /ws}, maximum message 1 MiB, at most 64 concurrent connections (further upgrade
 * requests get HTTP 503), per-connection prefetch 32, idle timeout 90 s, ping interval 30 s,
 * header timeout 20 s, no event dispatcher.
 */
public final class WebSocketBuilder extends StreamServerBuilder<WebSocketBuilder> {

    String path = "/ws";
    int maxFrameLength = 1 << 20;
    int prefetch = 32;
    Duration pingInterval = DEFAULT_PING_INTERVAL;
    Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;

    /** Default idle timeout of a source: 90 s (a live peer answers the pings well before). */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(90);
    /** Default {@link #pingInterval(Duration)}: 30 s. */
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(30);
    /** Default {@link #headerTimeout(Duration)}: 20 s. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(20);

    static {
        BuilderFactories.register(WebSocketBuilder.class, WebSocketBuilder::new);
    }

    /** Package-private: obtain a builder from {@code Transports.websocket()} (see {@link BuilderFactories}). */
    WebSocketBuilder() {
        super(64);
        idleTimeout(DEFAULT_IDLE_TIMEOUT);
    }

    /**
     * @param interval a source pings a connection from which nothing was read for this long, and
     *                 again every interval; a peer that does not answer is closed when
     *                 {@link #idleTimeout(Duration) idleTimeout} passes (reason {@code keepalive});
     *                 {@link Duration#ZERO}: no pings
     * @return this
     */
    public WebSocketBuilder pingInterval(Duration interval) {
        this.pingInterval = Checks.notNegative("pingInterval", interval);
        return this;
    }

    /**
     * @param timeout longest time a source lets an upgrade request take from its first byte to the
     *                end of its headers; then 408 and close (reason {@code header_timeout});
     *                {@link Duration#ZERO}: no limit
     * @return this
     */
    public WebSocketBuilder headerTimeout(Duration timeout) {
        this.headerTimeout = Checks.notNegative("headerTimeout", timeout);
        return this;
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
