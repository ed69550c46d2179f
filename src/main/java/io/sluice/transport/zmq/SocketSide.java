package io.sluice.transport.zmq;

import io.sluice.event.EventDispatcher;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.BoundAddress;
import org.zeromq.SocketType;
import reactor.core.publisher.Mono;

/**
 * What a ZeroMQ source and sink have alike: one socket type on one endpoint, bound or connected,
 * counters, and the endpoint of the current subscription or write (the same
 * {@link BoundAddress} mechanism as every other transport, with the endpoint text as address).
 */
abstract class SocketSide {

    final ZmqBuilder config;
    final SocketType type;
    final boolean bind;
    final String endpoint;
    final EventDispatcher events;
    final TransportMetrics metrics = new TransportMetrics(ZmqSockets.NAME);
    final BoundAddress<String> bound = new BoundAddress<>();

    SocketSide(ZmqBuilder b, SocketType type, boolean bind) {
        this.config = b;
        this.type = type;
        this.bind = bind;
        this.endpoint = b.requireEndpoint();
        this.events = b.events;
    }

    /** @return counters: messages and bytes, sockets opened/closed, errors (malformed messages, failures) */
    public final TransportMetrics metrics() {
        return metrics;
    }

    /**
     * @return the endpoint of the current subscription or write once its socket is bound or
     *         connected (with the actual port when bound to {@code *})
     */
    public final Mono<String> boundEndpoint() {
        return bound.mono();
    }

    /** @return {@link #boundEndpoint()}: what a gateway waits for when this socket binds */
    public final Mono<String> listening() {
        return bound.mono();
    }

    /**
     * @param role "source" or "sink"
     * @return the name of a socket thread
     */
    final String threadName(String role) {
        return "sluice-zmq-" + type.name().toLowerCase() + "-" + role;
    }
}
