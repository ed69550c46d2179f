package io.sluice.transport.internal;

import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Where a server source listens, per subscription: {@link #begin()} when a subscription starts
 * binding, emit on the returned slot once bound, {@link #end} when it unbinds so the next
 * subscription gets a fresh slot. {@link #mono()} always answers for the current subscription.
 * The one mechanism every binding source uses: reactor-netty, gRPC and RSocket sources with an
 * {@link java.net.InetSocketAddress}, ZeroMQ with its endpoint text.
 *
 * @param <A> the address type
 */
public final class BoundAddress<A> {

    private final AtomicReference<Sinks.One<A>> current = new AtomicReference<>(Sinks.one());

    /** @return the current subscription's bound address, once bound */
    public Mono<A> mono() {
        return Mono.defer(() -> current.get().asMono());
    }

    /** @return the slot of the subscription that starts binding now */
    public Sinks.One<A> begin() {
        return current.get();
    }

    /**
     * The subscription that owned {@code slot} unbound.
     *
     * @param slot what {@link #begin()} returned to it
     */
    public void end(Sinks.One<A> slot) {
        current.compareAndSet(slot, Sinks.one());
    }
}
