package io.sluice.demo;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Waits for a condition while there is progress: the wait goes on as long as a progress counter
 * moved within the last {@code stall}, and at most {@code max} in all. A busy machine (CPU
 * contention) slows the drain down but does not cut it short, while a drain that is stuck still
 * ends after {@code stall}.
 */
final class ProgressWait {

    /** Time source and pause, replaceable in tests. */
    interface Clock {
        /** @return nanoseconds, monotonic */
        long nanoTime();

        /**
         * @param millis how long to pause
         * @throws InterruptedException if interrupted
         */
        void sleep(long millis) throws InterruptedException;
    }

    static final Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(long millis) throws InterruptedException {
            Thread.sleep(millis);
        }
    };

    private ProgressWait() {
    }

    /**
     * @param done the condition waited for
     * @param progress a counter that grows while the work goes on (e.g. messages received)
     * @param stall give up when the counter has not moved for this long
     * @param max give up after this long in all
     * @param clock time source
     * @return whether {@code done} became true
     */
    static boolean await(BooleanSupplier done, LongSupplier progress, Duration stall, Duration max, Clock clock) {
        long start = clock.nanoTime();
        long last = progress.getAsLong();
        long lastMove = start;
        while (!done.getAsBoolean()) {
            long now = clock.nanoTime();
            long p = progress.getAsLong();
            if (p != last) {
                last = p;
                lastMove = now;
            }
            if (now - lastMove >= stall.toNanos() || now - start >= max.toNanos()) {
                return done.getAsBoolean();
            }
            try {
                clock.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
