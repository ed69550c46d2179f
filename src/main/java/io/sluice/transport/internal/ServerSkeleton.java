package io.sluice.transport.internal;

import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.auth.AuthOptions;
import io.sluice.transport.auth.ServerSecurity;
import io.sluice.transport.tls.TlsOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;

/**
 * The one life cycle of every server source: bind when the flux is subscribed, publish the bound
 * address ({@link #boundAddress()}), emit what the transport receives, and on cancel, error or
 * completion unbind, close every connection still open and end the bound address (the next
 * subscription binds afresh). Connections are counted (the gauge is
 * {@link TransportMetrics#connectionsActive()}), bounded by {@code maxConnections} (one more is
 * refused with a {@code ConnectionError}), and reported as {@code ConnectionOpened} /
 * {@code ConnectionClosed} events.
 *
 * <pre>
 *  subscribe ─▶ Server.bind() ─▶ address published ─▶ Server.messages() ─▶ downstream
 *                                                     │ connections: track() / untrack()
 *  cancel / error ─▶ stopping ─▶ address ended ─▶ tracked connections closed ─▶ Server.close()
 *  complete       ─▶ stopping ─▶ address ended ─▶ tracked connections closed ─▶ Server.closeGracefully()
 * </pre>
 *
 * A transport supplies a {@link Server} per subscription; it gets that subscription's
 * {@link Binding} to track its connections. A bind that fails (e.g. the port is in use) fails
 * the flux and that subscription's {@link #boundAddress()} with the same error, at once.
 */
public final class ServerSkeleton {

    private static final Logger LOG = LoggerFactory.getLogger(ServerSkeleton.class);

    private final String transport;
    private final TransportMetrics metrics;
    private final EventDispatcher events;
    private final int maxConnections;
    private final BoundAddress<InetSocketAddress> bound = new BoundAddress<>();
    private volatile TlsOptions tls;
    private volatile AuthOptions auth;
    private volatile Duration idleTimeout = Duration.ZERO;

    /**
     * @param transport transport name in events, metrics and logs
     * @param events dispatcher, or null for none
     * @param maxConnections connections served at once, at least 1 ({@link Integer#MAX_VALUE}: no bound)
     */
    public ServerSkeleton(String transport, EventDispatcher events, int maxConnections) {
        this(transport, new TransportMetrics(transport), events, maxConnections);
    }

    /**
     * @param transport transport name in events and logs
     * @param metrics the counters to update (shared with another side of the transport)
     * @param events dispatcher, or null for none
     * @param maxConnections connections served at once, at least 1 ({@link Integer#MAX_VALUE}: no bound)
     */
    public ServerSkeleton(String transport, TransportMetrics metrics, EventDispatcher events, int maxConnections) {
        this.transport = transport;
        this.metrics = metrics;
        this.events = events;
        this.maxConnections = maxConnections;
    }

    /**
     * TLS and tokens for the subscriptions that start from now on: each opens its
     * {@link Binding#security()} when it binds (a missing or bad file fails the bind) and closes it
     * when it unbinds.
     *
     * @param tlsOptions TLS settings, or null for plaintext
     * @param authOptions token settings, or null for none
     * @return this
     */
    public ServerSkeleton secure(TlsOptions tlsOptions, AuthOptions authOptions) {
        this.tls = tlsOptions;
        this.auth = authOptions;
        return this;
    }

    /**
     * @param timeout close a connection from which nothing was read for this long ({@link IdleClose});
     *                {@link Duration#ZERO} (the default): never
     * @return this
     */
    public ServerSkeleton idleTimeout(Duration timeout) {
        this.idleTimeout = Checks.notNegative("idleTimeout", timeout);
        return this;
    }

    /** @return this source's counters */
    public TransportMetrics metrics() {
        return metrics;
    }

    /** @return the current subscription's bound address, once bound */
    public Mono<InetSocketAddress> boundAddress() {
        return bound.mono();
    }

    /**
     * What a transport does for one subscription.
     *
     * @param <S> its bound server handle
     */
    public interface Server<S> {
        /** @return binds; its value is the bound server */
        Mono<? extends S> bind();

        /**
         * @param server the bound server
         * @return the address it listens on
         */
        InetSocketAddress address(S server);

        /**
         * @param server the bound server
         * @return what the server receives
         */
        Flux<Message> messages(S server);

        /**
         * Closes the server after a cancel or an error (tracked connections are already closed).
         *
         * @param server the bound server
         * @return completes when closed
         */
        Mono<Void> close(S server);

        /**
         * Closes the server after {@link #messages} completed (e.g. a graceful stop); by default
         * {@link #close}.
         *
         * @param server the bound server
         * @return completes when closed
         */
        default Mono<Void> closeGracefully(S server) {
            return close(server);
        }
    }

    /**
     * @param perSubscription makes the transport's part for one subscription
     * @return the source's flux: cold, binds on each subscription
     */
    public Flux<Message> serve(Function<Binding, ? extends Server<?>> perSubscription) {
        return Flux.defer(() -> {
            Binding b = new Binding(bound.begin());
            try {
                b.security = ServerSecurity.open(tls, auth, transport + " source", b::refused);
            } catch (RuntimeException e) {
                bound.fail(b.slot, e);
                return Flux.error(e);
            }
            return serve(b, perSubscription.apply(b));
        });
    }

    private <S> Flux<Message> serve(Binding b, Server<S> server) {
        // whoever waits for the bound address learns at once that there will be none
        Mono<? extends S> bind = server.bind().doOnError(e -> {
            bound.fail(b.slot, e);
            b.security.close();
        });
        return Flux.usingWhen(bind,
                s -> {
                    InetSocketAddress a = server.address(s);
                    b.slot.tryEmitValue(a);
                    LOG.debug("{} source bound to {}", transport, a);
                    return server.messages(s);
                },
                s -> b.stop().then(server.closeGracefully(s)),
                (s, e) -> b.stop().then(server.close(s)),
                s -> b.stop().then(server.close(s)));
    }

    /**
     * One subscription: its bound-address slot, its open connections and whether it is stopping.
     * Reports connections like any {@link ConnectionReporter}, and bounds them.
     */
    public final class Binding extends ConnectionReporter {
        private final Sinks.One<InetSocketAddress> slot;
        private final Set<Disposable> open = ConcurrentHashMap.newKeySet();
        private final AtomicInteger active = new AtomicInteger();
        private final CloseReasons reasons = new CloseReasons();
        private volatile boolean stopping;
        private ServerSecurity security = ServerSecurity.NONE;

        private Binding(Sinks.One<InetSocketAddress> slot) {
            super(transport, metrics, events);
            this.slot = slot;
        }

        /** @return this subscription's TLS and tokens ({@link ServerSecurity#NONE} when plaintext) */
        public ServerSecurity security() {
            return security;
        }

        /** A client refused by TLS or tokens: counted ({@code tls} / {@code auth}), logged rate-limited. */
        private void refused(java.net.SocketAddress peer, String reason, Throwable cause) {
            error(peer == null ? "unknown" : String.valueOf(peer), reason, cause);
        }

        /** @return whether the subscription is ending (closing connections is then not an error) */
        public boolean stopping() {
            return stopping;
        }

        /** @return the most connections served at once */
        public int maxConnections() {
            return maxConnections;
        }

        /** @param ch an accepted connection, closed once nothing was read for {@code idleTimeout} */
        public void idle(io.netty.channel.Channel ch) {
            IdleClose.install(ch, idleTimeout, reasons::close);
        }

        /** @return why the source closes connections (liveness limits), reported when they close */
        public CloseReasons reasons() {
            return reasons;
        }

        /**
         * Counts a connection within {@code maxConnections}, or refuses it (counted as an error,
         * WARN, {@code ConnectionError} "connection limit reached"); the caller closes a refused
         * connection. An admitted one is then {@link #opened} (or {@link #release}d if it never
         * opens).
         *
         * @param remote the peer
         * @return whether it was admitted
         */
        public boolean admit(String remote) {
            if (active.incrementAndGet() > maxConnections) {
                active.decrementAndGet();
                error(remote, "connection limit reached (" + maxConnections + "), connection refused", null);
                return false;
            }
            return true;
        }

        /** An {@link #admit admitted} connection did not open after all. */
        public void release() {
            active.decrementAndGet();
        }

        /**
         * Reports an {@link #admit admitted} connection opened; it must be {@link #untrack}ed when
         * it closes.
         *
         * @param remote the peer
         * @param connection closes the connection when the subscription ends; null when the
         *                   transport closes its connections itself
         */
        public void opened(String remote, Disposable connection) {
            if (connection != null) {
                open.add(connection);
            }
            opened(remote);
        }

        /**
         * {@link #admit} then {@link #opened(String, Disposable)}.
         *
         * @param remote the peer
         * @param connection see {@link #opened(String, Disposable)}
         * @return whether it was admitted
         */
        public boolean track(String remote, Disposable connection) {
            if (!admit(remote)) {
                return false;
            }
            opened(remote, connection);
            return true;
        }

        /**
         * @param remote the peer of a connection {@link #track}ed before
         * @param connection what was given to {@link #track}
         */
        public void untrack(String remote, Disposable connection) {
            if (connection != null) {
                open.remove(connection);
            }
            active.decrementAndGet();
            closed(remote, reasons.take(remote));
        }

        /**
         * Tracks a reactor-netty connection: refused ones are disposed at once, admitted ones are
         * untracked when they close.
         *
         * @param c the accepted connection
         * @return whether it was admitted
         */
        public boolean track(Connection c) {
            String remote = String.valueOf(c.channel().remoteAddress());
            if (!track(remote, c)) {
                c.dispose();
                return false;
            }
            c.onDispose(() -> untrack(remote, c));
            idle(c.channel());
            return true;
        }

        private Mono<Void> stop() {
            return Mono.fromRunnable(() -> {
                stopping = true;
                bound.end(slot);
                open.forEach(Disposable::dispose);
                security.close();
            });
        }
    }
}
