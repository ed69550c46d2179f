package io.sluice.overflow;

import io.sluice.event.Dropped;
import io.sluice.event.EventDispatcher;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * A configured overflow stage, created by {@link Overflow}. It is a
 * {@code Function<Flux<T>, Flux<T>>}, so it plugs into {@code Flux.transform} and the pipeline DSL.
 *
 * <p>The configuration methods ({@link #onDrop}, {@link #named}, {@link #events}) return a new
 * policy with fresh counters; configure first, then use. One policy may be applied to several
 * fluxes: each subscription gets its own buffer, the counters are shared.
 *
 * @param <T> element type
 */
public final class OverflowPolicy<T> implements Function<Flux<T>, Flux<T>> {

    private static final Logger LOG = LoggerFactory.getLogger(OverflowPolicy.class);

    /** The four policies. */
    public enum Kind {
        /** Incoming element dropped when full. */
        DROP_NEWEST("drop-newest"),
        /** Oldest buffered element discarded when full. */
        OVERWRITE_OLDEST("overwrite-oldest"),
        /** Upstream backpressured; lossless. */
        BLOCK("block"),
        /** Error when full. */
        FAIL("fail");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** @return the policy's name as used in events and metrics */
        public String label() {
            return label;
        }
    }

    private final Kind kind;
    private final int capacity;
    private final String name;
    private final Consumer<? super T> onDrop;
    private final EventDispatcher events;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder discarded = new LongAdder();
    private final Set<OverflowSubscriber<?>> live = ConcurrentHashMap.newKeySet();

    OverflowPolicy(Kind kind, int capacity) {
        this(kind, capacity, kind.label(), null, null);
    }

    private OverflowPolicy(Kind kind, int capacity, String name, Consumer<? super T> onDrop, EventDispatcher events) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.kind = kind;
        this.capacity = capacity;
        this.name = Objects.requireNonNull(name, "name");
        this.onDrop = onDrop;
        this.events = events;
    }

    /**
     * @param hook receives each discarded element exactly once: overflow drops and, on cancel, the
     *     elements still buffered (so pooled buffers can be released). Must not block; exceptions
     *     are logged and ignored.
     * @return a new policy with the hook
     */
    public OverflowPolicy<T> onDrop(Consumer<? super T> hook) {
        return new OverflowPolicy<>(kind, capacity, name, Objects.requireNonNull(hook, "hook"), events);
    }

    /**
     * @param stageName name used in {@link Dropped} events, logs and errors
     * @return a new policy with the name
     */
    public OverflowPolicy<T> named(String stageName) {
        return new OverflowPolicy<>(kind, capacity, stageName, onDrop, events);
    }

    /**
     * @param dispatcher receives a {@link Dropped} event for every overflow drop
     * @return a new policy publishing drops
     */
    public OverflowPolicy<T> events(EventDispatcher dispatcher) {
        return new OverflowPolicy<>(kind, capacity, name, onDrop, Objects.requireNonNull(dispatcher, "dispatcher"));
    }

    /** @return the policy */
    public Kind kind() {
        return kind;
    }

    /** @return the buffer capacity */
    public int capacity() {
        return capacity;
    }

    /** @return the stage name */
    public String name() {
        return name;
    }

    /**
     * @return elements dropped because the buffer was full, over all subscriptions so far (for
     *     {@link Kind#BLOCK}: elements a misbehaving upstream emitted beyond the demand it was given)
     */
    public long dropped() {
        return dropped.sum();
    }

    /** @return elements still buffered when a subscription was cancelled (also handed to onDrop) */
    public long discardedOnCancel() {
        return discarded.sum();
    }

    /** @return elements currently buffered, over all live subscriptions (a snapshot, for gauges) */
    public int buffered() {
        int n = 0;
        for (OverflowSubscriber<?> s : live) {
            n += s.size();
        }
        return n;
    }

    void subscribed(OverflowSubscriber<?> s) {
        live.add(s);
    }

    void ended(OverflowSubscriber<?> s) {
        live.remove(s);
    }

    @Override
    public Flux<T> apply(Flux<T> upstream) {
        return Flux.from(new FluxOverflow<>(upstream, this));
    }

    /** Records an overflow drop: counter, hooks, event. */
    void drop(T element, Context context) {
        dropped.increment();
        release(element, context);
        if (events != null) {
            events.dispatch(new Dropped(name, kind.label(), dropped.sum()));
        }
    }

    /** Records an element discarded on cancel. */
    void discard(T element, Context context) {
        discarded.increment();
        release(element, context);
    }

    private void release(T element, Context context) {
        if (onDrop != null) {
            try {
                onDrop.accept(element);
            } catch (Throwable t) {
                LOG.warn("onDrop hook of overflow stage '{}' failed", name, t);
            }
        }
        Operators.onDiscard(element, context);
    }

    @Override
    public String toString() {
        return "Overflow." + kind.label() + "(" + capacity + ", '" + name + "')";
    }
}
