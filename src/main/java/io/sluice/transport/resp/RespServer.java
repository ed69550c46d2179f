package io.sluice.transport.resp;

import io.netty.channel.ChannelOption;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.TransportSupport;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;

/**
 * The TCP server both RESP endpoints run: binds, installs {@link RespCodec} on each accepted
 * connection, refuses connections beyond {@code maxConnections}, counts them and publishes
 * {@link ConnectionOpened} / {@link ConnectionClosed} / {@link ConnectionError} events, and closes
 * every connection on {@link #close}. One instance per subscription.
 */
final class RespServer {

    private static final Logger LOG = LoggerFactory.getLogger(RespServer.class);

    private final RespSettings settings;
    private final String name;
    private final EventDispatcher events;
    private final TransportMetrics metrics;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();

    RespServer(RespSettings settings, String name, EventDispatcher events, TransportMetrics metrics) {
        this.settings = settings;
        this.name = name;
        this.events = events;
        this.metrics = metrics;
    }

    /**
     * @param handler runs each accepted connection (codec installed); completes when it is done
     * @return the bound server
     */
    Mono<? extends DisposableServer> bind(Function<Connection, Publisher<Void>> handler) {
        return TcpServer.create()
                .host(settings.host())
                .port(settings.port())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .handle((in, out) -> {
                    Connection[] holder = new Connection[1];
                    in.withConnection(c -> holder[0] = c);
                    return accept(holder[0], handler);
                })
                .bind();
    }

    private Publisher<Void> accept(Connection c, Function<Connection, Publisher<Void>> handler) {
        String remote = String.valueOf(c.channel().remoteAddress());
        if (active.incrementAndGet() > settings.maxConnections()) {
            active.decrementAndGet();
            metrics.error();
            LOG.warn("{}: refusing connection from {}: limit of {} connections reached", name, remote,
                    settings.maxConnections());
            publish(new ConnectionError(name, remote, "connection limit reached (" + settings.maxConnections() + ")",
                    null));
            c.dispose();
            return Mono.empty();
        }
        RespCodec.install(c, settings.maxBulkLength(), settings.maxArguments(), reason -> {
            metrics.error();
            LOG.warn("{}: closing connection from {}: protocol error: {}", name, remote, reason);
            publish(new ConnectionError(name, remote, "protocol error: " + reason, null));
        });
        open.add(c);
        metrics.connectionOpened();
        publish(new ConnectionOpened(name, remote));
        c.onDispose(() -> {
            open.remove(c);
            active.decrementAndGet();
            metrics.connectionClosed();
            publish(new ConnectionClosed(name, remote));
        });
        return handler.apply(c);
    }

    /**
     * Unbinds and closes every connection.
     *
     * @param server the bound server
     * @return completes when the server is closed
     */
    Mono<Void> close(DisposableServer server) {
        for (Connection c : open) {
            c.dispose();
        }
        server.dispose();
        return server.onDispose();
    }

    void publish(Object event) {
        TransportSupport.publish(events, event);
    }
}
