package io.sluice.transport.resp;

import io.sluice.transport.internal.NettyServer;
import io.sluice.transport.internal.ServerSkeleton;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;

/**
 * The part of one {@link ServerSkeleton} subscription that both RESP endpoints share: binds a TCP
 * server, admits each accepted connection through the skeleton's {@link ServerSkeleton.Binding}
 * (connection limit, open/closed/error events, closed when the subscription ends), installs
 * {@link RespCodec} on it (a protocol error is reported as a {@code ConnectionError}) and hands it to
 * {@link #handle}. Each endpoint supplies {@link #handle} and {@code messages}. The server runs on
 * the process's RESP event loops of its size ({@link RespLoops}): leased when it binds, given back
 * when the bind fails or is cancelled, or once the server's channel is closed.
 */
abstract class RespServer extends NettyServer {

    private final RespSettings settings;

    RespServer(ServerSkeleton.Binding binding, RespSettings settings) {
        super(binding);
        this.settings = settings;
    }

    @Override
    public Mono<? extends DisposableServer> bind() {
        return Mono.defer(() -> {
            RespLoops.Lease lease = RespLoops.acquire(settings.eventLoopThreads());
            return bindTcp(settings.host(), settings.port(), lease.loops(), this::accept)
                    // given back when the server's channel is closed, however that comes about (the
                    // close Mono of a stop path that never subscribes to it cannot keep the loops alive)
                    .doOnNext(server -> server.onDispose(lease::release))
                    .doOnError(e -> lease.release())
                    .doOnCancel(lease::release);
        });
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
