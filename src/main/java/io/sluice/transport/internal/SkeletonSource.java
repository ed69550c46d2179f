package io.sluice.transport.internal;

import io.sluice.Message;
import io.sluice.transport.ServerSource;
import io.sluice.transport.StreamServerBuilder;
import io.sluice.transport.TransportBuilder;
import io.sluice.transport.TransportMetrics;
import java.net.InetSocketAddress;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Base of the server sources that run on the {@link ServerSkeleton}: counters, bound address and
 * the flux come from the skeleton; a transport supplies only {@link #server}, its part of one
 * subscription.
 */
public abstract class SkeletonSource implements ServerSource {

    /** Host to bind. */
    protected final String host;
    /** Port to bind; 0 for an ephemeral one. */
    protected final int port;
    private final ServerSkeleton skeleton;

    /**
     * @param transport transport name in events, metrics and logs
     * @param b the builder: host, port, events
     * @param maxConnections connections served at once ({@link Integer#MAX_VALUE}: no bound)
     */
    protected SkeletonSource(String transport, TransportBuilder<?> b, int maxConnections) {
        this.host = b.host();
        this.port = b.port();
        this.skeleton = new ServerSkeleton(transport, b.events(), maxConnections);
        if (b instanceof StreamServerBuilder<?> stream) {
            skeleton.idleTimeout(stream.idleTimeout());
        }
    }

    /**
     * @param transport transport name in events, metrics and logs
     * @param b the builder of a connection-oriented source: host, port, events, maxConnections,
     *          idleTimeout
     */
    protected SkeletonSource(String transport, StreamServerBuilder<?> b) {
        this(transport, b, b.maxConnections());
        skeleton.secure(b.tls(), b.auth());
    }

    /** @return counters: messages, bytes, connections opened/closed/active, errors (refusals included) */
    @Override
    public final TransportMetrics metrics() {
        return skeleton.metrics();
    }

    /** @return the address the current subscription bound, once bound (useful with port 0) */
    @Override
    public Mono<InetSocketAddress> boundAddress() {
        return skeleton.boundAddress();
    }

    /**
     * Binds on subscribe and emits what the server receives; cancelling unbinds and closes every
     * connection.
     *
     * @return the received messages, cold
     */
    @Override
    public Flux<Message> flux() {
        return serve(this::server);
    }

    /**
     * @param perSubscription the transport's part of each subscription
     * @return a flux that binds on each subscription (for a source whose flux takes arguments)
     */
    protected final Flux<Message> serve(Function<ServerSkeleton.Binding, ? extends ServerSkeleton.Server<?>> perSubscription) {
        return skeleton.serve(perSubscription);
    }

    /**
     * @param binding the subscription that starts
     * @return the transport's part of it
     */
    protected abstract ServerSkeleton.Server<?> server(ServerSkeleton.Binding binding);
}
