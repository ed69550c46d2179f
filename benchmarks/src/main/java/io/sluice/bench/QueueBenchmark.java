package io.sluice.bench;

import java.util.ArrayDeque;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Go talk's queue table in Java: one producer thread offering, one consumer thread polling, a
 * bounded structure of 1024 slots, non-blocking on both sides (a full offer or an empty poll just
 * returns). Score: ns per operation of each thread. Only references move, so message size does not
 * matter (as in the talk).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class QueueBenchmark {

    static final int CAPACITY = 1024;
    static final Integer ITEM = 42;

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
    public boolean arrayLockOffer(ArrayLock s) {
        s.lock.lock();
        try {
            return s.q.size() < CAPACITY && s.q.offer(ITEM);
        } finally {
            s.lock.unlock();
        }
    }

    @Benchmark
    @Group("arrayLock")
    @GroupThreads(1)
    public Integer arrayLockPoll(ArrayLock s) {
        s.lock.lock();
        try {
            return s.q.poll();
        } finally {
            s.lock.unlock();
        }
    }

    @Benchmark
    @Group("channel")
    @GroupThreads(1)
    public boolean channelOffer(Channel s) {
        return s.q.offer(ITEM);
    }

    @Benchmark
    @Group("channel")
    @GroupThreads(1)
    public Integer channelPoll(Channel s) {
        return s.q.poll();
    }

    @Benchmark
    @Group("ringLock")
    @GroupThreads(1)
    public boolean ringLockOffer(RingLock s) {
        return s.offer(ITEM);
    }

    @Benchmark
    @Group("ringLock")
    @GroupThreads(1)
    public Object ringLockPoll(RingLock s) {
        return s.poll();
    }

    @Benchmark
    @Group("ringAtomics")
    @GroupThreads(1)
    public boolean ringAtomicsOffer(RingAtomics s) {
        return s.q.offer(ITEM);
    }

    @Benchmark
    @Group("ringAtomics")
    @GroupThreads(1)
    public Integer ringAtomicsPoll(RingAtomics s) {
        return s.q.poll();
    }
}
