package io.sluice.transport.rsocket;

import io.netty.channel.Channel;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.sluice.transport.internal.ServerSkeleton;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;

/**
 * One subscription of an RSocket server (the source, or the request-stream sink's server): binds
 * with the builder's transport and limits ({@link Endpoints}), answers each connection with
 * {@link #responder}, and closes.
 */
abstract class ServerBinding implements ServerSkeleton.Server<CloseableChannel> {

    /** Where and how an RSocket server listens, fixed when its source or sink is built. */
    record Listen(String host, int port, boolean webSocket, int maxMessageSize) {
        static Listen of(RSocketBuilder b) {
            return new Listen(b.host(), b.port(), b.webSocket, b.maxMessageSize);
        }
    }

    /** The subscription. */
    protected final ServerSkeleton.Binding binding;
    private final Listen listen;

    ServerBinding(ServerSkeleton.Binding binding, Listen listen) {
        this.binding = binding;
        this.listen = listen;
    }

    /**
     * @param remote the peer of a connection being set up
     * @param client the authenticated client (bearer token's name), or null
     * @return what answers its requests
     */
    abstract RSocket responder(String remote, String client);

    @Override
    public Mono<CloseableChannel> bind() {
        // with tokens, a SETUP without a known bearer token is rejected; the token's name is the client
        // without tokens, with mutual TLS, the client certificate's name is the client
        Map<SocketAddress, Channel> channels = new ConcurrentHashMap<>();
        SocketAcceptor acceptor = binding.security().rsocketAcceptor(
                client -> (setup, peer) -> Mono.just(responder(Endpoints.acceptingRemote(), client)),
                Endpoints::acceptingPeer, () -> {
                    SocketAddress peer = Endpoints.acceptingPeer();
                    return peer == null ? null : channels.get(peer);
                });
        return Endpoints.server(acceptor, listen.maxMessageSize(), binding)
                .bind(Endpoints.server(listen.host(), listen.port(), listen.webSocket(), listen.maxMessageSize(), binding,
                        ch -> {
                            SocketAddress peer = ch.remoteAddress();
                            channels.put(peer, ch);
                            ch.closeFuture().addListener(f -> channels.remove(peer, ch));
                        }));
    }

    @Override
    public InetSocketAddress address(CloseableChannel server) {
        return server.address();
    }

    @Override
    public Mono<Void> close(CloseableChannel server) {
        server.dispose();
        return server.onClose().onErrorResume(e -> Mono.empty());
    }
}
