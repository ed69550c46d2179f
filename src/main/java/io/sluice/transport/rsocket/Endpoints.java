package io.sluice.transport.rsocket;

import io.rsocket.RSocket;
import io.rsocket.transport.ClientTransport;
import io.rsocket.transport.ServerTransport;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.transport.netty.client.WebsocketClientTransport;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import io.rsocket.transport.netty.server.WebsocketServerTransport;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionOpened;
import io.sluice.transport.TransportMetrics;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** RSocket's TCP or WebSocket transport, as the builder chose, and what every side does with connections. */
final class Endpoints {

    private Endpoints() {
    }

    static ServerTransport<CloseableChannel> server(String host, int port, boolean webSocket) {
        return webSocket ? WebsocketServerTransport.create(host, port) : TcpServerTransport.create(host, port);
    }

    static ClientTransport client(String host, int port, boolean webSocket) {
        return webSocket ? WebsocketClientTransport.create(host, port) : TcpClientTransport.create(host, port);
    }

    /**
     * Counts and reports an accepted peer's connection, opened now and closed when the peer closes.
     *
     * @return the name the events use for the peer
     */
    static String track(RSocket peer, TransportMetrics metrics, Consumer<Object> events) {
        String remote = "rsocket-peer@" + Integer.toHexString(System.identityHashCode(peer));
        metrics.connectionOpened();
        events.accept(new ConnectionOpened(RSocketSource.NAME, remote));
        peer.onClose().doFinally(s -> {
            metrics.connectionClosed();
            events.accept(new ConnectionClosed(RSocketSource.NAME, remote));
        }).subscribe(x -> { }, e -> { });
        return remote;
    }

    /** Closes a server and makes the next subscription's bound address a fresh one. */
    static Mono<Void> close(CloseableChannel server, AtomicReference<Sinks.One<InetSocketAddress>> bound,
                            Sinks.One<InetSocketAddress> addr) {
        bound.compareAndSet(addr, Sinks.one());
        server.dispose();
        return server.onClose().onErrorResume(e -> Mono.empty());
    }

    /** Closes a client connection and reports it closed. */
    static Mono<Void> close(RSocket r, String remote, TransportMetrics metrics, Consumer<Object> events) {
        r.dispose();
        return r.onClose().onErrorResume(e -> Mono.empty()).doFinally(s -> {
            metrics.connectionClosed();
            events.accept(new ConnectionClosed(RSocketSource.NAME, remote));
        });
    }
}
