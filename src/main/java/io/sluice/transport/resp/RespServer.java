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
