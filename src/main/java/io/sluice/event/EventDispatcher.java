package io.sluice.event;

import io.sluice.overflow.DropListener;
import io.sluice.overflow.Overflow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * Type-keyed event dispatcher.
 *
 * <p>{@link #on(Class, Consumer)} registers a callback for an event type; {@link #dispatch(Object)}
 * calls, on the caller's thread, every callback registered for the event's class or any of its
 * supertypes, in registration order, each with the same (immutable) event object. A callback that
 * throws does not stop the others: the failure is logged and dispatched as a {@link CallbackFailed}
 * event (a failure while handling a {@code CallbackFailed} is only logged, to avoid loops).
 *
 * <p>Concurrency: registrations are copy-on-write. Registering and removing take a short lock on
 * this dispatcher; {@code dispatch} takes no lock: it reads an immutable snapshot and a per-class
 * cache of matching callbacks. A registration made while a dispatch is running takes effect from
 * the next dispatch; a removal is seen by every dispatch that starts after {@code remove} returned.
 *
 * <p>As a {@link DropListener} it receives overflow stages' {@link Dropped} events
 * ({@code policy.events(dispatcher)}) and dispatches them like any other event.
 *
 * <p>Reactive views ({@link #events(Class, int)}) never block a dispatch: a view subscriber that
 * falls behind loses its oldest buffered events. Those losses are counted ({@link #viewDrops()},
 * {@link #viewDrops(Class)}) and logged at WARN, rate-limited per view type: on the first drop and
 * then on every {@value #VIEW_DROP_LOG_EVERY}th. They are deliberately not dispatched as
 * {@link Dropped} events on this dispatcher: a slow view of {@code Dropped} events would then feed
 * its own overflow.
 */
public final class EventDispatcher implements DropListener {

    private static final Logger LOG = LoggerFactory.getLogger(EventDispatcher.class);

    /** Default buffer of {@link #events(Class)}. */
    public static final int DEFAULT_EVENT_BUFFER = 256;

    /** A view's overwrites are logged on its first drop and then on every this-many-th. */
    public static final long VIEW_DROP_LOG_EVERY = 1000;

    private final Object writeLock = new Object();
    private final ConcurrentHashMap<Class<?>, AtomicLong> viewDropsByType = new ConcurrentHashMap<>();
    private final AtomicLong viewDropWarnings = new AtomicLong();
    private volatile Snapshot snapshot = new Snapshot(new Entry[0]);

    /**
     * Registers {@code callback} for events of {@code type} and its subtypes.
     *
     * @param type event type
     * @param callback called with each matching event
     * @param <E> event type
     * @return the registration, to remove the callback
     */
    public <E> Registration on(Class<E> type, Consumer<? super E> callback) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(callback, "callback");
        Entry entry = new Entry(type, callback);
        synchronized (writeLock) {
            Entry[] old = snapshot.entries;
            Entry[] next = Arrays.copyOf(old, old.length + 1);
            next[old.length] = entry;
            snapshot = new Snapshot(next);
        }
        return () -> remove(entry);
    }

    private void remove(Entry entry) {
        synchronized (writeLock) {
            Entry[] old = snapshot.entries;
            List<Entry> kept = new ArrayList<>(old.length);
            for (Entry e : old) {
                if (e != entry) {
                    kept.add(e);
                }
            }
            if (kept.size() != old.length) {
                snapshot = new Snapshot(kept.toArray(new Entry[0]));
            }
        }
    }

    /**
     * Calls every callback registered for the event's type or a supertype, in registration order.
     *
     * @param event the event; should be immutable since every callback gets the same instance
     */
    public void dispatch(Object event) {
        Objects.requireNonNull(event, "event");
        Entry[] targets = snapshot.matching(event.getClass());
        for (Entry e : targets) {
            try {
                e.callback.accept(event);
            } catch (Throwable t) {
                reportFailure(event, e, t);
            }
        }
    }

    /**
     * Dispatches an overflow stage's drop: what {@code policy.events(dispatcher)} calls.
     *
     * @param event the drop
     */
    @Override
    public void dropped(Dropped event) {
        dispatch(event);
    }

    private void reportFailure(Object event, Entry e, Throwable t) {
        if (t instanceof VirtualMachineError) {
            throw (VirtualMachineError) t;
        }
        String callback = describe(e.callback);
        try {
            LOG.warn("event callback {} failed on {}", callback, event, t);
        } catch (RuntimeException logFailure) {
            // e.g. a logging backend calling a throwing event.toString(); the other callbacks still run
        }
        if (!(event instanceof CallbackFailed)) {
            dispatch(new CallbackFailed(event, callback, t));
        }
    }

    /** {@code String.valueOf(callback)}, but never throws: a failing callback must not stop the others. */
    private static String describe(Object callback) {
        try {
            return String.valueOf(callback);
        } catch (RuntimeException toStringFailure) {
            return callback.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(callback));
        }
    }

    /**
     * @param type event type
     * @return the number of callbacks a dispatch of an event of exactly this class would call
     */
    public int callbackCount(Class<?> type) {
        return snapshot.matching(type).length;
    }

    /**
     * Events of {@code type} as a hot {@code Flux}, with a buffer of {@link #DEFAULT_EVENT_BUFFER}.
     *
     * @param type event type
     * @param <E> event type
     * @return see {@link #events(Class, int)}
     */
    public <E> Flux<E> events(Class<E> type) {
        return events(type, DEFAULT_EVENT_BUFFER);
    }

    /**
     * Events of {@code type} as a hot {@code Flux}: subscribing registers a callback, cancelling
     * removes it. Each subscriber has its own buffer of {@code bufferSize} events; a subscriber that
     * falls behind sees the <em>newest</em> events: when its buffer is full the oldest buffered
     * event is discarded (overwrite-oldest). Dispatching therefore never blocks on a slow
     * subscriber, and memory stays bounded.
     *
     * <p>Every event a view discards this way is counted in {@link #viewDrops()} and
     * {@link #viewDrops(Class) viewDrops(type)} and logged at WARN (on a type's first drop, then on
     * every {@value #VIEW_DROP_LOG_EVERY}th). Events still buffered when the subscriber cancels are
     * not drops and are not counted.
     *
     * @param type event type
     * @param bufferSize per-subscriber buffer, at least 1
     * @param <E> event type
     * @return the events
     */
    public <E> Flux<E> events(Class<E> type, int bufferSize) {
        if (bufferSize < 1) {
            throw new IllegalArgumentException("bufferSize must be >= 1, was " + bufferSize);
        }
        // The overflow stage reports its overflow drops (not its discards on cancel) to this listener,
        // never to this dispatcher, so that they never reach this dispatcher's views.
        DropListener overwrites = d -> viewOverwrote(type, bufferSize);
        return Flux.<E>create(sink -> {
                    Registration r = on(type, sink::next);
                    sink.onDispose(r::remove);
                }, FluxSink.OverflowStrategy.BUFFER)
                .transform(Overflow.<E>overwriteOldest(bufferSize)
                        .named("events:" + type.getSimpleName())
                        .events(overwrites));
    }

    /**
     * @return events discarded by all {@link #events(Class, int) views} of this dispatcher because a
     *     view subscriber fell behind by more than its buffer (overwrite-oldest), since creation
     */
    public long viewDrops() {
        return viewDropsByType.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /**
     * @param type the type a view was created for with {@link #events(Class, int)}
     * @return events discarded by the views of exactly that type because a subscriber fell behind
     */
    public long viewDrops(Class<?> type) {
        AtomicLong n = viewDropsByType.get(type);
        return n == null ? 0 : n.get();
    }

    /** @return how many view-drop warnings were logged (for tests of the rate limit) */
    long viewDropWarnings() {
        return viewDropWarnings.get();
    }

    private void viewOverwrote(Class<?> type, int bufferSize) {
        long n = viewDropsByType.computeIfAbsent(type, t -> new AtomicLong()).incrementAndGet();
        if (n == 1 || n % VIEW_DROP_LOG_EVERY == 0) {
            viewDropWarnings.incrementAndGet();
            LOG.warn("event view of {} (buffer {}) overwrote its oldest event: a subscriber is slower than the "
                    + "events it receives; {} events of this type dropped by views so far (logged on the first "
                    + "and every {}th)", type.getName(), bufferSize, n, VIEW_DROP_LOG_EVERY);
        }
    }

    private static final class Entry {
        final Class<?> type;
        final Consumer<Object> callback;

        @SuppressWarnings("unchecked")
        Entry(Class<?> type, Consumer<?> callback) {
            this.type = type;
            this.callback = (Consumer<Object>) callback;
        }
    }

    private static final class Snapshot {
        final Entry[] entries;
        final ConcurrentHashMap<Class<?>, Entry[]> byClass = new ConcurrentHashMap<>();

        Snapshot(Entry[] entries) {
            this.entries = entries;
        }

        Entry[] matching(Class<?> eventClass) {
            Entry[] cached = byClass.get(eventClass);
            if (cached == null) {
                cached = byClass.computeIfAbsent(eventClass, c -> Arrays.stream(entries)
                        .filter(e -> e.type.isAssignableFrom(c))
                        .toArray(Entry[]::new));
            }
            return cached;
        }
    }
}
