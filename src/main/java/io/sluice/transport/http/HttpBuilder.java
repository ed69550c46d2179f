package io.sluice.transport.http;

import io.sluice.event.EventDispatcher;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of a unary HTTP {@link HttpSource} (server) or {@link HttpSink} (client); obtained
 * from {@code io.sluice.transport.Transports.http()}. Defaults: host {@code 127.0.0.1}, port 0,
 * path {@code /ingest}, maximum body 1 MiB, hand-off capacity 1024 messages, accept timeout 10 s,
 * at most 256 concurrent connections (source), sink concurrency 8, no event dispatcher.
 */
public final class HttpBuilder {

    /** Header carrying the message key (both directions). */
    public static final String KEY_HEADER = "X-Sluice-Key";

    String host = "127.0.0.1";
    int port;
    String path = "/ingest";
    int maxBodySize = 1 << 20;
    int handoffCapacity = 1024;
    int concurrency = 8;
    int maxConnections = 256;
    Duration acceptTimeout = Duration.ofSeconds(10);
    EventDispatcher events;

    /** Use {@code Transports.http()}. */
    public HttpBuilder() {
    }

    /**
     * @param h host to bind (source) or connect to (sink)
     * @return this
     */
    public HttpBuilder host(String h) {
        this.host = Objects.requireNonNull(h, "host");
        return this;
    }

    /**
     * @param p port; 0 lets a source pick an ephemeral port
     * @return this
     */
    public HttpBuilder port(int p) {
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port out of range: " + p);
        }
        this.port = p;
        return this;
    }

    /**
     * @param p path accepting POSTs (source) or posted to (sink), starting with {@code /}
     * @return this
     */
    public HttpBuilder path(String p) {
        if (p == null || !p.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/': " + p);
        }
        this.path = p;
        return this;
    }

    /**
     * @param max largest accepted body in bytes; larger bodies get 413
     * @return this
     */
    public HttpBuilder maxBodySize(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("maxBodySize must be >= 0, was " + max);
        }
        this.maxBodySize = max;
        return this;
    }

    /**
     * @param capacity messages a source holds that the pipeline has not taken yet, counting those
     *                 whose body is being read; when full, requests wait ({@link #acceptTimeout})
     * @return this
     */
    public HttpBuilder handoffCapacity(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("handoffCapacity must be >= 1, was " + capacity);
        }
        this.handoffCapacity = capacity;
        return this;
    }

    /**
     * @param timeout how long a request of a source waits, its body unread, for room in the
     *                hand-off before it is answered 503; {@link Duration#ZERO} answers 503 at once
     *                when the hand-off is full
     * @return this
     */
    public HttpBuilder acceptTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("acceptTimeout must be >= 0, was " + timeout);
        }
        this.acceptTimeout = timeout;
        return this;
    }

    /**
     * @param max connections a source serves at once; a connection accepted beyond it is closed at
     *            once, before any request is read, with a {@code ConnectionError} event
     * @return this
     */
    public HttpBuilder maxConnections(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxConnections must be >= 1, was " + max);
        }
        this.maxConnections = max;
        return this;
    }

    /**
     * @param n requests a sink keeps in flight at once, at least 1
     * @return this
     */
    public HttpBuilder concurrency(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("concurrency must be >= 1, was " + n);
        }
        this.concurrency = n;
        return this;
    }

    /**
     * @param dispatcher receives connection and rejection events; null for none
     * @return this
     */
    public HttpBuilder events(EventDispatcher dispatcher) {
        this.events = dispatcher;
        return this;
    }

    HttpBuilder copy() {
        HttpBuilder c = new HttpBuilder();
        c.host = host;
        c.port = port;
        c.path = path;
        c.maxBodySize = maxBodySize;
        c.handoffCapacity = handoffCapacity;
        c.concurrency = concurrency;
        c.maxConnections = maxConnections;
        c.acceptTimeout = acceptTimeout;
        c.events = events;
        return c;
    }

    /** @return a server source */
    public HttpSource source() {
        return new HttpSource(this);
    }

    /** @return a client sink */
    public HttpSink sink() {
        return new HttpSink(this);
    }
}
