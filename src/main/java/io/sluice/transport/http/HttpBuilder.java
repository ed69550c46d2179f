package io.sluice.transport.http;

import io.sluice.transport.StreamServerBuilder;
import io.sluice.transport.internal.BuilderFactories;
import io.sluice.transport.internal.Checks;
import java.time.Duration;

/**
 * Configuration of a unary HTTP {@link HttpSource} (server) or {@link HttpSink} (client); obtained
 * from {@code io.sluice.transport.Transports.http()}. Defaults: host {@code 127.0.0.1}, port 0,
 * path {@code /ingest}, maximum body 1 MiB, hand-off capacity 1024 messages, accept timeout 10 s,
 * at most 256 concurrent connections (source; a connection beyond it is closed at once, before
 * any request is read), sink concurrency 8, no event dispatcher.
 */
public final class HttpBuilder extends StreamServerBuilder<HttpBuilder> {

    /** Header carrying the message key (both directions). */
    public static final String KEY_HEADER = "X-Sluice-Key";

    String path = "/ingest";
    int maxBodySize = 1 << 20;
    int handoffCapacity = 1024;
    int concurrency = 8;
    Duration acceptTimeout = Duration.ofSeconds(10);

    static {
        BuilderFactories.register(HttpBuilder.class, HttpBuilder::new);
    }

    /** Package-private: obtain a builder from {@code Transports.http()} (see {@link BuilderFactories}). */
    HttpBuilder() {
        super(256);
    }

    /**
     * @param p path accepting POSTs (source) or posted to (sink), starting with {@code /}
     * @return this
     */
    public HttpBuilder path(String p) {
        this.path = Checks.path(p);
        return this;
    }

    /**
     * @param max largest accepted body in bytes; larger bodies get 413
     * @return this
     */
    public HttpBuilder maxBodySize(int max) {
        this.maxBodySize = Checks.atLeast("maxBodySize", max, 0);
        return this;
    }

    /**
     * @param capacity messages a source holds that the pipeline has not taken yet, counting those
     *                 whose body is being read; when full, requests wait ({@link #acceptTimeout})
     * @return this
     */
    public HttpBuilder handoffCapacity(int capacity) {
        this.handoffCapacity = Checks.atLeast("handoffCapacity", capacity, 1);
        return this;
    }

    /**
     * @param timeout how long a request of a source waits, its body unread, for room in the
     *                hand-off before it is answered 503; {@link Duration#ZERO} answers 503 at once
     *                when the hand-off is full
     * @return this
     */
    public HttpBuilder acceptTimeout(Duration timeout) {
        this.acceptTimeout = Checks.notNegative("acceptTimeout", timeout);
        return this;
    }

    /**
     * @param n requests a sink keeps in flight at once, at least 1
     * @return this
     */
    public HttpBuilder concurrency(int n) {
        this.concurrency = Checks.atLeast("concurrency", n, 1);
        return this;
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
