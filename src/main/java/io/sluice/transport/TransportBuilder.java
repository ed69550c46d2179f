package io.sluice.transport;

import io.sluice.event.EventDispatcher;
import io.sluice.transport.internal.Checks;
import java.util.Objects;

/**
 * What every network transport builder has: the host a source binds or a sink connects to, the
 * port (0: a source picks an ephemeral one, see {@link ServerSource#boundAddress()}), and the
 * dispatcher that receives connection events. Defaults: host {@code 127.0.0.1}, port 0, no
 * dispatcher. Obtain a builder from {@link Transports}.
 *
 * @param <B> the concrete builder, returned by every fluent method
 */
public abstract class TransportBuilder<B extends TransportBuilder<B>> {

    private String host = "127.0.0.1";
    private int port;
    private EventDispatcher events;

    /** For the builders of this library's transports. */
    protected TransportBuilder() {
    }

    /** @return this builder as its concrete type */
    @SuppressWarnings("unchecked")
    protected final B self() {
        return (B) this;
    }

    /**
     * @param h host to bind (source) or connect to (sink)
     * @return this
     */
    public B host(String h) {
        this.host = Objects.requireNonNull(h, "host");
        return self();
    }

    /**
     * @param p port; 0 lets a source pick an ephemeral port
     * @return this
     */
    public B port(int p) {
        this.port = Checks.port(p);
        return self();
    }

    /**
     * @param dispatcher receives connection events; null for none
     * @return this
     */
    public B events(EventDispatcher dispatcher) {
        this.events = dispatcher;
        return self();
    }

    /** @return the configured host */
    public final String host() {
        return host;
    }

    /** @return the configured port (0: ephemeral) */
    public final int port() {
        return port;
    }

    /** @return the configured dispatcher, or null */
    public final EventDispatcher events() {
        return events;
    }
}
