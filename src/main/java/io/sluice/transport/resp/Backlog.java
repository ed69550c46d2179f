package io.sluice.transport.resp;

import io.sluice.overflow.PriorityBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * The {@code priority-queue} sink's state: a keyed {@link PriorityBuffer} of items (merge = add,
 * Barbershop's {@code UPDATE}), the workers blocked in {@code BNEXT}, the counters, and the demand
 * signalled to the pipeline. Every method takes the one lock briefly; replies and upstream requests
 * happen after it is released.
 *
 * <h2>Demand</h2>
 * The sink asks the pipeline for {@code capacity - size} items at start and then for one more each
 * time a slot frees up: an item taken by a worker, or an arrival that merged into a held item (or
 * went straight to a waiting worker) and so took no slot. The pipeline therefore never sends more
 * than fits, and with idle workers and a full backlog it is backpressured. An item is given to a
 * worker at most once: if the worker's connection dies while the reply is in flight, the item is
 * lost, as with Redis's {@code ZPOPMAX} / {@code BLPOP}.
 */
final class Backlog {

    private final PriorityBuffer<String> buffer;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private final LongConsumer demand;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong merged = new AtomicLong();
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();
    private final AtomicLong changes = new AtomicLong();

    /** A worker blocked in {@code BNEXT}. */
    private static final class Waiter {
        final MonoSink<String> sink;
        volatile Disposable timer;

        Waiter(MonoSink<String> sink) {
            this.sink = sink;
        }

        /** Replies with {@code item} (null: nil) and stops the timer; called once, by whoever removed it. */
        void end(String item) {
            Disposable t = timer;
            if (t != null) {
                t.dispose();
            }
            if (item == null) {
                sink.success();
            } else {
                sink.success(item);
            }
        }
    }

    /**
     * @param capacity most items held
     * @param demand asked for n more items from the pipeline (called outside the lock)
     */
    Backlog(int capacity, LongConsumer demand) {
        this.buffer = new PriorityBuffer<>(capacity, PriorityBuffer::saturatedAdd);
        this.demand = demand;
    }

    /**
     * Loads a snapshot (before the pipeline is subscribed).
     *
     * @return items evicted because the snapshot held more than the capacity
     */
    synchronized int load(List<PriorityBuffer.Held<String>> items) {
        int before = (int) evicted.get();
        for (PriorityBuffer.Held<String> h : items) {
            PriorityBuffer.Outcome o = buffer.offer(h.element(), h.priority(), h.element());
            if (o == PriorityBuffer.Outcome.EVICTED || o == PriorityBuffer.Outcome.REJECTED) {
                evicted.incrementAndGet();
            }
        }
        return (int) evicted.get() - before;
    }

    /** @return free slots: the first request to the pipeline */
    synchronized int free() {
        return buffer.capacity() - buffer.size();
    }

    /**
     * An item from the pipeline.
     *
     * @return the evicted (or rejected) item when the backlog was full, else null
     */
    String offer(String item, long priority) {
        Waiter w = null;
        String displaced = null;
        boolean slotFree;
        synchronized (this) {
            received.incrementAndGet();
            changes.incrementAndGet();
            if (buffer.size() == 0 && !waiters.isEmpty()) {
                w = waiters.poll();
                taken.incrementAndGet();
                slotFree = true;
            } else {
                PriorityBuffer.Outcome o = buffer.offer(item, priority, item);
                slotFree = o == PriorityBuffer.Outcome.MERGED;
                if (o == PriorityBuffer.Outcome.MERGED) {
                    merged.incrementAndGet();
                } else if (o != PriorityBuffer.Outcome.STORED) {
                    evicted.incrementAndGet();
                    displaced = buffer.displaced();
                }
            }
        }
        if (w != null) {
            w.end(item);
        }
        if (slotFree) {
            demand.accept(1);
        }
        return displaced;
    }

    /** @return the highest item, taken, or null when empty ({@code NEXT}) */
    String next() {
        return take(null);
    }

    /**
     * {@code BNEXT}: the highest item, or the next to arrive within {@code timeout}, else null (empty).
     *
     * @param timeout how long to wait; zero waits without limit (Redis's convention)
     * @param timer schedules the timeout
     */
    Mono<String> nextBlocking(Duration timeout, Scheduler timer) {
        return Mono.create(sink -> {
            Waiter w = new Waiter(sink);
            String item = take(w);
            if (item != null) {
                sink.success(item);
                return;
            }
            if (!timeout.isZero()) {
                w.timer = timer.schedule(() -> expire(w), timeout.toNanos(), TimeUnit.NANOSECONDS);
            }
            sink.onCancel(() -> expire(w));
        });
    }

    /**
     * Takes the highest item (counted, and its slot requested upstream), or, when empty, queues
     * {@code orWait} for the next item to arrive.
     *
     * @param orWait the waiter to queue when empty, or null to just return null
     * @return the item taken, or null
     */
    private String take(Waiter orWait) {
        String item;
        synchronized (this) {
            item = buffer.poll();
            if (item != null) {
                taken.incrementAndGet();
                changes.incrementAndGet();
            } else if (orWait != null) {
                waiters.add(orWait);
            }
        }
        if (item != null) {
            demand.accept(1);
        }
        return item;
    }

    private void expire(Waiter w) {
        boolean mine;
        synchronized (this) {
            mine = waiters.remove(w);
        }
        if (mine) {
            w.end(null);
        }
    }

    /** @return the priority of a held item ({@code PEEK}) */
    synchronized OptionalLong priorityOf(String item) {
        return buffer.priorityOf(item);
    }

    /** @return the held items in delivery order, for a snapshot */
    synchronized List<PriorityBuffer.Held<String>> entries() {
        return buffer.entries();
    }

    /** @return a counter that changes whenever the backlog does (to skip unchanged snapshots) */
    long changes() {
        return changes.get();
    }

    /** @return {@code INFO} fields: name, value */
    synchronized List<String[]> info() {
        return List.of(
                new String[] {"size", Integer.toString(buffer.size())},
                new String[] {"capacity", Integer.toString(buffer.capacity())},
                new String[] {"received", Long.toString(received.get())},
                new String[] {"merged", Long.toString(merged.get())},
                new String[] {"taken", Long.toString(taken.get())},
                new String[] {"evicted", Long.toString(evicted.get())},
                new String[] {"waiting_workers", Integer.toString(waiters.size())});
    }

    /** @return items held */
    synchronized int size() {
        return buffer.size();
    }

    /** @return items evicted (a full backlog: the lowest) */
    long evicted() {
        return evicted.get();
    }

    /** Ends every blocked {@code BNEXT} with nil (the sink is stopping). */
    void releaseWaiters() {
        List<Waiter> all;
        synchronized (this) {
            all = List.copyOf(waiters);
            waiters.clear();
        }
        for (Waiter w : all) {
            w.end(null);
        }
    }
}
