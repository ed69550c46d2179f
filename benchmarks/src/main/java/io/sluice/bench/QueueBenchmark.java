package io.sluice.bench;

import java.util.ArrayDeque;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Go talk's queue table in Java: one producer thread offering, one consumer thread polling, a
 * bounded structure of 1024 slots, non-blocking on both sides (a full offer or an empty poll just
 * returns). Only references move, so message size does not matter (as in the talk).
 *
 * <p>Only successful transfers count: each thread records its outcomes in {@link Counts}
 * ({@code @AuxCounters}), and the figure to read is the secondary result {@code polled}, elements
 * that went through the structure per microsecond (ns per transfer = 1000 / polled).
 * {@code offered} must match it (to within the few elements left in the queue); {@code offerFull}
 * and {@code pollEmpty} are the attempts that moved nothing. The primary score (all invocations
 * of both threads, failed ones included) is not a transfer rate: a structure whose attempts fail
 * cheaply scores high there while moving little.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class QueueBenchmark {

    static final int CAPACITY = 1024;
    static final Integer ITEM = 42;

    /**
     * Outcomes per thread, summed over the group's threads by JMH and reported per microsecond.
     * The offering thread writes only the offer fields, the polling thread only the poll fields.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counts {
        /** Offers that stored an element. */
        public long offered;
        /** Offers refused because the structure was full. */
        public long offerFull;
        /** Polls that took an element: the successful transfers. */
        public long polled;
        /** Polls that found the structure empty. */
        public long pollEmpty;

        /** Counters start from zero in every iteration. */
        @Setup(Level.Iteration)
        public void reset() {
            offered = 0;
            offerFull = 0;
            polled = 0;
            pollEmpty = 0;
        }

        void offer(boolean stored) {
            if (stored) {
                offered++;
            } else {
                offerFull++;
            }
        }

        void poll(Object taken) {
            if (taken != null) {
                polled++;
            } else {
                pollEmpty++;
            }
        }
    }

    /** Array + mutex: ArrayDeque guarded by a ReentrantLock. */
    @State(Scope.Group)
    public static class ArrayLock {
        final ArrayDeque<Integer> q = new ArrayDeque<>(CAPACITY);
        final ReentrantLock lock = new ReentrantLock();
    }

    /** Ring buffer + mutex: a fixed array ring guarded by synchronized. */
    @State(Scope.Group)
    public static class RingLock {
        final Object[] ring = new Object[CAPACITY];
        long head;
        long tail;

        synchronized boolean offer(Object o) {
            if (tail - head == CAPACITY) {
                return false;
            }
            ring[(int) (tail++ & (CAPACITY - 1))] = o;
            return true;
        }

        synchronized Object poll() {
            if (head == tail) {
                return null;
            }
            int i = (int) (head++ & (CAPACITY - 1));
            Object o = ring[i];
            ring[i] = null;
            return o;
        }
    }

    /** Channel: ArrayBlockingQueue used with non-blocking offer/poll. */
    @State(Scope.Group)
    public static class Channel {
        final ArrayBlockingQueue<Integer> q = new ArrayBlockingQueue<>(CAPACITY);
    }

    /** Ring buffer + atomics: JCTools' SPSC array queue, the ring under Sluice's drop-newest. */
    @State(Scope.Group)
    public static class RingAtomics {
        final SpscArrayQueue<Integer> q = new SpscArrayQueue<>(CAPACITY);
    }

    @Benchmark
    @Group("arrayLock")
    @GroupThreads(1)
    public void arrayLockOffer(ArrayLock s, Counts c) {
        boolean stored;
        s.lock.lock();
        try {
            stored = s.q.size() < CAPACITY && s.q.offer(ITEM);
        } finally {
            s.lock.unlock();
        }
        c.offer(stored);
    }

    @Benchmark
    @Group("arrayLock")
    @GroupThreads(1)
    public void arrayLockPoll(ArrayLock s, Counts c) {
        Integer taken;
        s.lock.lock();
        try {
            taken = s.q.poll();
        } finally {
            s.lock.unlock();
        }
        c.poll(taken);
    }

    @Benchmark
    @Group("channel")
    @GroupThreads(1)
    public void channelOffer(Channel s, Counts c) {
        c.offer(s.q.offer(ITEM));
    }

    @Benchmark
    @Group("channel")
    @GroupThreads(1)
    public void channelPoll(Channel s, Counts c) {
        c.poll(s.q.poll());
    }

    @Benchmark
    @Group("ringLock")
    @GroupThreads(1)
    public void ringLockOffer(RingLock s, Counts c) {
        c.offer(s.offer(ITEM));
    }

    @Benchmark
    @Group("ringLock")
    @GroupThreads(1)
    public void ringLockPoll(RingLock s, Counts c) {
        c.poll(s.poll());
    }

    @Benchmark
    @Group("ringAtomics")
    @GroupThreads(1)
    public void ringAtomicsOffer(RingAtomics s, Counts c) {
        c.offer(s.q.offer(ITEM));
    }

    @Benchmark
    @Group("ringAtomics")
    @GroupThreads(1)
    public void ringAtomicsPoll(RingAtomics s, Counts c) {
        c.poll(s.q.poll());
    }
}
