package io.sluice.transport;

import io.sluice.transport.internal.Checks;

/**
 * A {@link TransportBuilder} of a connection-oriented server source, which serves at most
 * {@link #maxConnections(int) maxConnections} connections at once: one more is refused at once
 * (closed; answered 503 by WebSocket; its calls failed with {@code UNAVAILABLE} by gRPC) and reported as a {@code ConnectionError} ("connection
 * limit reached"), counted in {@link TransportMetrics#errors()}; nothing it sent is read.
 *
 * @param <B> the concrete builder
 */
public abstract class StreamServerBuilder<B extends StreamServerBuilder<B>> extends TransportBuilder<B> {

    private int maxConnections;

    /** @param defaultMaxConnections the transport's default bound, at least 1 */
    protected StreamServerBuilder(int defaultMaxConnections) {
        this.maxConnections = Checks.atLeast("maxConnections", defaultMaxConnections, 1);
    }

    /**
     * @param max connections a source serves at once, at least 1; further connections are
     *            refused with a {@code ConnectionError} event
     * @return this
     */
    public B maxConnections(int max) {
        this.maxConnections = Checks.atLeast("maxConnections", max, 1);
        return self();
    }

    /** @return the configured connection bound */
    public final int maxConnections() {
        return maxConnections;
    }
}
