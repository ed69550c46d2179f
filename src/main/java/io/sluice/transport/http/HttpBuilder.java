package io.sluice.transport.http;

import io.sluice.transport.StreamServerBuilder;
import io.sluice.transport.internal.BuilderFactories;
import io.sluice.transport.internal.Checks;
import java.time.Duration;

/**
 * Configuration of a unary HTTP {@link HttpSource} (server) or {@link HttpSink} (client); obtained
 * from {@code io.sluice.transport.Transports.http()}. Defaults: host {@code 127.0.0.1}, port 0,
 * path {@code /ingest}, maximum body 1 MiB, hand-off capacity 1024 messages, accept timeout 10 s,
 * idle timeout 60 s, header timeout 20 s, body timeout 60 s,
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
    Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;
    Duration bodyTimeout = DEFAULT_BODY_TIMEOUT;

    /** Default idle timeout of a source: 60 s (between requests on a kept-alive connection). */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** Default {@link #headerTimeout(Duration)}: 20 s. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(20);
    /** Default {@link #bodyTimeout(Duration)}: 60 s. */
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(60);

    static {
        BuilderFactories.register(HttpBuilder.class, HttpBuilder::new);
    }

    /** Package-private: obtain a builder from {@code Transports.http()} (see {@link BuilderFactories}). */
    HttpBuilder() {
        super(256);
        idleTimeout(DEFAULT_IDLE_TIMEOUT);
    }

    /**
     * @param timeout longest time a source lets a request take from its first byte to the end of its
     *                headers (slowloris); then 408 and the connection is closed (reason
     *                {@code header_timeout}); {@link Duration#ZERO}: no limit
     * @return this
     */
    public HttpBuilder headerTimeout(Duration timeout) {
        this.headerTimeout = Checks.notNegative("headerTimeout", timeout);
        return this;
    }

    /**
     * @param timeout longest time a source lets a request body take after its headers, not counting
     *                time the source itself does not read it (waiting for room); then 408 and the
     *                connection is closed (reason {@code body_timeout}); {@link Duration#ZERO}: no limit
     * @return this
     */
    public HttpBuilder bodyTimeout(Duration timeout) {
        this.bodyTimeout = Checks.notNegative("bodyTimeout", timeout);
        return this;
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
