package io.sluice.transport.internal;

import java.util.concurrent.atomic.AtomicReference;
import reactor.core.Scannable;
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

    /**
     * @return the slot of the subscription that starts binding now: the current one, unless an
     *         earlier subscription failed on it (then a fresh one)
     */
    public Sinks.One<A> begin() {
        Sinks.One<A> slot = current.get();
        if (Boolean.TRUE.equals(slot.scan(Scannable.Attr.TERMINATED))) {
            current.compareAndSet(slot, Sinks.one());
            slot = current.get();
        }
        return slot;
    }

    /**
     * The subscription that owned {@code slot} failed to bind: whoever asks for the bound address
     * until the next subscription begins learns why.
     *
     * @param slot what {@link #begin()} returned to it
     * @param error why it has no address
     */
    public void fail(Sinks.One<A> slot, Throwable error) {
        slot.tryEmitError(error);
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
