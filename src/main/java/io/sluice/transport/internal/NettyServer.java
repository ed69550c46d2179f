package io.sluice.transport.internal;

import java.net.InetSocketAddress;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;

/** The part of a reactor-netty server (TCP, HTTP, WebSocket) that is the same for all of them. */
public abstract class NettyServer implements ServerSkeleton.Server<DisposableServer> {

    /** The subscription this server belongs to. */
    protected final ServerSkeleton.Binding binding;

    /** @param binding the subscription this server belongs to */
    protected NettyServer(ServerSkeleton.Binding binding) {
        this.binding = binding;
    }

    @Override
    public InetSocketAddress address(DisposableServer server) {
        return (InetSocketAddress) server.address();
    }

    @Override
    public Mono<Void> close(DisposableServer server) {
        server.dispose();
        return server.onDispose();
    }
}
