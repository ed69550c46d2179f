package io.sluice.transport.internal;

import io.netty.channel.ChannelOption;
import java.net.InetSocketAddress;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.resources.LoopResources;
import reactor.netty.tcp.TcpServer;

/** The part of a reactor-netty server (TCP, HTTP, WebSocket) that is the same for all of them. */
public abstract class NettyServer implements ServerSkeleton.Server<DisposableServer> {

    /** The subscription this server belongs to. */
    protected final ServerSkeleton.Binding binding;

    /** @param binding the subscription this server belongs to */
    protected NettyServer(ServerSkeleton.Binding binding) {
        this.binding = binding;
    }

    /**
     * Binds a TCP server (Nagle off; TLS when the source has it, see {@link ServerSkeleton.Binding#security()}) whose accepted connections go to {@code accept}.
     *
     * @param host address to bind
     * @param port port to bind, 0 for any free one
     * @param accept runs one accepted connection; completes when the connection is done
     * @return the bind, on subscribe
     */
    protected Mono<? extends DisposableServer> bindTcp(String host, int port,
                                                      Function<Connection, Mono<Void>> accept) {
        return bindTcp(host, port, null, accept);
    }

    /**
     * As {@link #bindTcp(String, int, Function)}, on the given event loops.
     *
     * @param host address to bind
     * @param port port to bind, 0 for any free one
     * @param loops the event loops to accept and serve the connections on, or null for reactor-netty's shared ones
     * @param accept runs one accepted connection; completes when the connection is done
     * @return the bind, on subscribe
     */
    protected Mono<? extends DisposableServer> bindTcp(String host, int port, LoopResources loops,
                                                      Function<Connection, Mono<Void>> accept) {
        TcpServer server = binding.security().secure(TcpServer.create());
        if (loops != null) {
            server = server.runOn(loops);
        }
        return server
                .host(host)
                .port(port)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .handle((in, out) -> {
                    Connection[] holder = new Connection[1];
                    in.withConnection(c -> holder[0] = c);
                    return accept.apply(holder[0]);
                })
                .bind();
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
