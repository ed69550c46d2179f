package io.sluice.transport.resp;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollMode;
import io.sluice.transport.internal.NettyServer;
import io.sluice.transport.internal.ServerSkeleton;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.resources.LoopResources;
import reactor.netty.tcp.TcpServer;

/**
 * The part of one {@link ServerSkeleton} subscription that both RESP endpoints share: binds a TCP
 * server, admits each accepted connection through the skeleton's {@link ServerSkeleton.Binding}
 * (connection limit, open/closed/error events, closed when the subscription ends), installs
 * {@link RespCodec} on it (a protocol error is reported as a {@code ConnectionError}) and hands it to
 * {@link #handle}. Each endpoint supplies {@link #handle} and {@code messages}.
 */
abstract class RespServer extends NettyServer {

    private final RespSettings settings;

    RespServer(ServerSkeleton.Binding binding, RespSettings settings) {
        super(binding);
        this.settings = settings;
    }

    @Override
    public Mono<? extends DisposableServer> bind() {
        return bindTcp(settings.host(), settings.port(), this::accept);
    }

    /**
     * Accepted connections use level-triggered epoll where the native transport runs
     * ({@link #levelTriggered}).
     */
    @Override
    protected TcpServer tcpOptions(TcpServer server) {
        return levelTriggered(server);
    }

    /**
     * Makes the accepted connections of {@code server} level-triggered when Netty's epoll transport is
     * in use (reactor-netty's native transport, on unless {@code reactor.netty.native=false}). Edge-triggered (Netty's default) reads until the socket is drained, so each wake-up of a
     * one-request-at-a-time client costs a second {@code read} that returns {@code EAGAIN};
     * level-triggered stops after a read that did not fill the buffer, as Redis does (what is left is
     * reported again by the next {@code epoll_wait}). Reading stops, as before, when the connection's
     * {@code autoRead} is off (backpressure): Netty then removes the read interest.
     *
     * @param server the server
     * @return it with the option, or unchanged without epoll
     */
    static TcpServer levelTriggered(TcpServer server) {
        return LoopResources.DEFAULT_NATIVE && Epoll.isAvailable() ? server.childOption(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED) : server;
    }

    private Mono<Void> accept(Connection c) {
        if (!binding.track(c)) {
            return Mono.empty();
        }
        String remote = String.valueOf(c.channel().remoteAddress());
        RespCodec.install(c, settings.maxBulkLength(), settings.maxArguments(),
                reason -> binding.error(remote, "protocol error: " + reason, null));
        return handle(c);
    }

    /**
     * Runs one admitted connection (codec installed).
     *
     * @param c the connection
     * @return completes when the connection is done
     */
    abstract Mono<Void> handle(Connection c);
}
