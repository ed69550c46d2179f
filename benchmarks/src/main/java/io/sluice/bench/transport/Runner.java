package io.sluice.bench.transport;

import io.sluice.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Runs one cell: starts the lane's receiver, warms up, sizes the message count so one iteration
 * lasts about {@code targetSeconds}, then measures. Every wait is bounded.
 */
final class Runner {
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);
    private static final long QUIET_NANOS = Duration.ofMillis(300).toNanos();

    private final int senders;
    private final int warmups;
    private final double warmupSeconds;
    private final int iterations;
    private final double targetSeconds;
    private final int firstCount;
    private final int maxCount;

    Runner(int senders, int warmups, double warmupSeconds, int iterations, double targetSeconds, int firstCount,
           int maxCount) {
        this.senders = senders;
        this.warmups = warmups;
        this.warmupSeconds = warmupSeconds;
        this.iterations = iterations;
        this.targetSeconds = targetSeconds;
        this.firstCount = firstCount;
        this.maxCount = maxCount;
    }

    Cell run(Transport t, int sizeIndex, boolean parallel) {
        Cell cell = new Cell(t, sizeIndex, parallel);
        Message template = Message.builder().payload(payload(cell.size())).build();
        int n = parallel ? senders : 1;
        Counter counter = new Counter();
        try (Lane lane = t.lane.get()) {
            lane.start(counter);
            int count = Math.max(firstCount, n);
            // warm up for at least `warmups` iterations and `warmupSeconds`: the JIT needs seconds, and
            // each transport has its own code paths
            long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            for (int w = 0; w < warmups || System.nanoTime() < warmEnd; w++) {
                Cell.Iteration it = iterate(lane, counter, template, count, n);
                count = next(it);
            }
            for (int i = 0; i < iterations; i++) {
                cell.iterations.add(iterate(lane, counter, template, count, n));
            }
        } catch (RuntimeException e) {
            cell.failure = String.valueOf(e.getMessage() == null ? e : e.getMessage());
        }
        return cell;
    }

    /** @return the count for which one iteration lasts about targetSeconds */
    private int next(Cell.Iteration it) {
        double ns = it.nsPerMessage();
        if (Double.isNaN(ns) || ns <= 0) {
            return firstCount;
        }
        return (int) Math.max(100, Math.min(maxCount, targetSeconds * 1e9 / ns));
    }

    private static Cell.Iteration iterate(Lane lane, Counter counter, Message template, int count, int senders) {
        counter.reset();
        int each = Math.max(1, count / senders);
        List<Mono<Void>> sends = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            sends.add(lane.send(template, each));
        }
        long total = (long) each * senders;
        Mono.when(sends).block(SEND_TIMEOUT);
        // wait until everything arrived, or nothing more arrives (datagrams can be lost)
        long deadline = System.nanoTime() + SEND_TIMEOUT.toNanos();
        long seen = -1;
        long seenAt = System.nanoTime();
        while (counter.count() < total && System.nanoTime() < deadline) {
            long c = counter.count();
            if (c != seen) {
                seen = c;
                seenAt = System.nanoTime();
            } else if (System.nanoTime() - seenAt > QUIET_NANOS) {
                break;
            }
            sleep();
        }
        return new Cell.Iteration(total, counter.count(), counter.first(), counter.last());
    }

    private static void sleep() {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Printable ASCII (no '\n'), so every framing carries it. */
    static byte[] payload(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }
}
