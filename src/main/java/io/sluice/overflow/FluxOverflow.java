package io.sluice.overflow;

import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;

/**
 * The operator behind {@link OverflowPolicy#apply}: picks the subscriber for the policy's kind.
 * {@link Fused} for the kinds whose subscriber offers output fusion (overwrite-oldest), so that
 * Reactor's fusable operators downstream pass a fusion request through.
 */
class FluxOverflow<T> extends FluxOperator<T, T> {

    private final OverflowPolicy<T> policy;

    FluxOverflow(Flux<? extends T> source, OverflowPolicy<T> policy) {
        super(source);
        this.policy = policy;
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
        source.subscribe(subscriberFor(actual));
    }

    private OverflowSubscriber<T> subscriberFor(CoreSubscriber<? super T> actual) {
        switch (policy.kind()) {
            case DROP_NEWEST:
                return new DropNewestSubscriber<>(actual, policy);
            case OVERWRITE_OLDEST:
                return new OverwriteOldestSubscriber<>(actual, policy);
            case BLOCK:
                return new BlockSubscriber<>(actual, policy);
            case FAIL:
                return new FailSubscriber<>(actual, policy);
            case PRIORITY:
                return new PrioritySubscriber<>(actual, policy);
            default:
                throw new IllegalStateException("unknown policy " + policy.kind());
        }
    }

    @Override
    public Object scanUnsafe(Attr key) {
        if (key == Attr.PREFETCH) {
            return policy.kind() == OverflowPolicy.Kind.BLOCK ? policy.capacity() : Integer.MAX_VALUE;
        }
        if (key == Attr.RUN_STYLE) {
            return Attr.RunStyle.SYNC;
        }
        return super.scanUnsafe(key);
    }

    /**
     * The {@link Fuseable} variant: Reactor's operators pick their fusable form by this marker, and
     * some cast the subscription to {@code QueueSubscription}, so only a kind whose subscriber is
     * one (overwrite-oldest) may use it.
     */
    static final class Fused<T> extends FluxOverflow<T> implements Fuseable {
        Fused(Flux<? extends T> source, OverflowPolicy<T> policy) {
            super(source, policy);
        }
    }
}
