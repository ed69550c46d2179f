package io.sluice.overflow;

import io.sluice.event.Dropped;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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

    /**
     * The policies, each with its name as written in YAML ({@code overflow: {policy: drop-newest}}),
     * in events and in metric tags. The one list of policy names: configuration readers derive
     * theirs from {@link #yamlNames()} and {@link #fromYamlName(String)}.
     */
    public enum Kind {
        /** Incoming element dropped when full. */
        DROP_NEWEST("drop-newest", "when full, the incoming element is dropped (Go channel)"),
        /** Oldest buffered element discarded when full. */
        OVERWRITE_OLDEST("overwrite-oldest", "when full, the oldest buffered element is discarded (ring buffer)"),
        /** Upstream backpressured; lossless. */
        BLOCK("block", "lossless: upstream is backpressured"),
        /** Error when full. */
        FAIL("fail", "when full, the stage fails with an overflow error"),
        /** Highest priority first; the lowest is evicted when full. */
        PRIORITY("priority", "highest priority first (FIFO among equals); when full, the lowest is evicted");

        private final String label;
        private final String description;

        Kind(String label, String description) {
            this.label = label;
            this.description = description;
        }

        /** @return the policy's name as used in YAML, events and metrics */
        public String label() {
            return label;
        }

        /** @return the policy's YAML name (same as {@link #label()}) */
        public String yamlName() {
            return label;
        }

        /** @return one line saying what the policy does when full, for docs and help texts */
        public String description() {
            return description;
        }

        /** @return every policy's YAML name, in declaration order */
        public static List<String> yamlNames() {
            return Arrays.stream(values()).map(Kind::yamlName).toList();
        }

        /**
         * @param name a YAML policy name such as {@code drop-newest}
         * @return the policy, if the name is known
         */
        public static Optional<Kind> fromYamlName(String name) {
            return Arrays.stream(values()).filter(k -> k.label.equals(name)).findFirst();
        }
    }

    private final Kind kind;
    private final int capacity;
    private final String name;
    private final Consumer<? super T> onDrop;
    private final DropListener events;
    private final PrioritySpec<T> priority;
    private final DropCounts dropped = new DropCounts();
    private final LongAdder discarded = new LongAdder();
    private final LongAdder merged = new LongAdder();
    private final Set<OverflowState<?>> live = ConcurrentHashMap.newKeySet();

    OverflowPolicy(Kind kind, int capacity) {
        this(kind, capacity, kind.label(), null, null, null);
    }

    OverflowPolicy(int capacity, PrioritySpec<T> priority) {
        this(Kind.PRIORITY, capacity, Kind.PRIORITY.label(), null, null, Objects.requireNonNull(priority, "priority"));
    }

    private OverflowPolicy(Kind kind, int capacity, String name, Consumer<? super T> onDrop, DropListener events,
            PrioritySpec<T> priority) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        if ((kind == Kind.PRIORITY) != (priority != null)) {
            throw new IllegalArgumentException("a priority function is required by, and only by, the priority policy");
        }
        this.kind = kind;
        this.capacity = capacity;
        this.name = Objects.requireNonNull(name, "name");
        this.onDrop = onDrop;
        this.events = events;
        this.priority = priority;
    }

    /**
     * @param hook receives each discarded element exactly once: overflow drops and, on cancel, the
     *     elements still buffered (so pooled buffers can be released); for a keyed priority stage
     *     also an incoming element merged into a buffered one with the same key. Must not block;
     *     exceptions are logged and ignored.
     * @return a new policy with the hook
     */
    public OverflowPolicy<T> onDrop(Consumer<? super T> hook) {
        return new OverflowPolicy<>(kind, capacity, name, Objects.requireNonNull(hook, "hook"), events, priority);
    }

    /**
     * @param stageName name used in {@link Dropped} events, logs and errors
     * @return a new policy with the name
     */
    public OverflowPolicy<T> named(String stageName) {
        return new OverflowPolicy<>(kind, capacity, stageName, onDrop, events, priority);
    }

    /**
     * @param listener receives a {@link Dropped} event for every overflow drop, e.g. an
     *     {@link io.sluice.event.EventDispatcher} (which implements {@link DropListener})
     * @return a new policy publishing drops
     */
    public OverflowPolicy<T> events(DropListener listener) {
        return new OverflowPolicy<>(kind, capacity, name, onDrop, Objects.requireNonNull(listener, "listener"),
                priority);
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

    /**
     * @return elements of a keyed priority stage that arrived while an element with the same key
     *     was buffered and were merged into it (their priority added to it, by default); not drops
     */
    public long merged() {
        return merged.sum();
    }

    /** @return elements currently buffered, over all live subscriptions (a snapshot, for gauges) */
    public int buffered() {
        int n = 0;
        for (OverflowState<?> s : live) {
            n += s.size();
        }
        return n;
    }

    void subscribed(OverflowState<?> s) {
        live.add(s);
    }

    void ended(OverflowState<?> s) {
        live.remove(s);
    }

    @Override
    public Flux<T> apply(Flux<T> upstream) {
        return Flux.from(kind == Kind.OVERWRITE_OLDEST
                ? new FluxOverflow.Fused<>(upstream, this) : new FluxOverflow<>(upstream, this));
    }

    /**
     * Records an overflow drop: counter, hooks, event. Called on the thread running the stage's
     * {@code onNext}.
     *
     * @param cell the caller's counter cell from its previous drop, or null
     * @return the current thread's counter cell, for the caller's next drop
     */
    DropCounts.Cell drop(T element, Context context, DropCounts.Cell cell) {
        DropCounts.Cell c = dropped.cell(cell);
        c.increment();
        release(element, context);
        if (events != null) {
            events.dropped(new Dropped(name, kind.label(), dropped.sum()));
        }
        return c;
    }

    /** Records an element merged into a buffered one with the same key: counted, released, not a drop. */
    void merge(T element, Context context) {
        merged.increment();
        release(element, context);
    }

    PrioritySpec<T> prioritySpec() {
        return priority;
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
