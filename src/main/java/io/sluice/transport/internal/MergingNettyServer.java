package io.sluice.transport.internal;

import io.sluice.Message;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;

/**
 * A reactor-netty server whose accepted connections each yield a flux of messages (TCP,
 * WebSocket). The fluxes are merged with at most {@code maxConnections} subscribed at once and a
 * small prefetch each, so the pipeline's demand reaches every socket: with no demand, reading
 * stops (reactor-netty switches {@code autoRead} off) and flow control slows the peers.
 */
public abstract class MergingNettyServer extends NettyServer {

    private final Sinks.Many<Flux<Message>> connections = Sinks.many().unicast().onBackpressureBuffer();
    private final int prefetch;

    /**
     * @param binding the subscription this server belongs to
     * @param prefetch messages requested ahead from each connection, at least 1
     */
    protected MergingNettyServer(ServerSkeleton.Binding binding, int prefetch) {
        super(binding);
        this.prefetch = prefetch;
    }

    /**
     * Hands one accepted connection's messages to the merge (called from the connections' event
     * loops; serialized here).
     *
     * @param messages what the connection receives, cold
     * @return false if the subscription has ended: the caller closes the connection
     */
    protected final boolean merge(Flux<Message> messages) {
        synchronized (connections) {
            return connections.tryEmitNext(messages).isSuccess();
        }
    }

    @Override
    public final Flux<Message> messages(DisposableServer server) {
        return connections.asFlux().flatMap(f -> f, binding.maxConnections(), prefetch);
    }
}
