package io.sluice.transport;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The address a server source is bound to, per subscription: {@link #begin()} when a subscription
 * starts binding, emit on the returned slot once bound, {@link #end} when it unbinds so the next
 * subscription gets a fresh slot. {@link #mono()} always answers for the current subscription.
 * Shared plumbing of the transport packages.
 */
public final class BoundAddress {

    private final AtomicReference<Sinks.One<InetSocketAddress>> current = new AtomicReference<>(Sinks.one());

    /** @return the current subscription's bound address, once bound */
    public Mono<InetSocketAddress> mono() {
        return Mono.defer(() -> current.get().asMono());
    }

    /** @return the slot of the subscription that starts binding now */
    public Sinks.One<InetSocketAddress> begin() {
        return current.get();
    }

    /**
     * The subscription that owned {@code slot} unbound.
     *
     * @param slot what {@link #begin()} returned to it
     */
    public void end(Sinks.One<InetSocketAddress> slot) {
        current.compareAndSet(slot, Sinks.one());
    }
}
