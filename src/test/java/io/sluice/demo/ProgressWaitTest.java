package io.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The demo's drain wait, on a fake clock: it goes on while there is progress, bounded in all. */
class ProgressWaitTest {

    /** A clock that advances only when the wait pauses; {@code onPause} runs at each pause. */
    private static final class FakeClock implements ProgressWait.Clock {
        final AtomicLong now = new AtomicLong();
        Runnable onPause = () -> { };

        @Override
        public long nanoTime() {
            return now.get();
        }

        @Override
        public void sleep(long millis) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
            onPause.run();
        }
    }

    private static final Duration STALL = Duration.ofSeconds(10);
    private static final Duration MAX = Duration.ofSeconds(120);

    @Test
    void slowButSteadyDrainIsAwaitedPastTheStallTime() {
        // a backlog that takes 40 s to drain on a busy machine: one message per pause
        FakeClock clock = new FakeClock();
        AtomicLong received = new AtomicLong();
        clock.onPause = received::incrementAndGet;
        long sent = 200; // 200 pauses of 200 ms = 40 s
        boolean done = ProgressWait.await(() -> received.get() >= sent, received::get, STALL, MAX, clock);
        assertThat(done).isTrue();
        assertThat(received.get()).isEqualTo(sent);
        assertThat(Duration.ofNanos(clock.now.get())).isGreaterThan(Duration.ofSeconds(30));
    }

    @Test
    void stuckDrainEndsAfterTheStallTime() {
        FakeClock clock = new FakeClock();
        AtomicLong received = new AtomicLong(5);
        boolean done = ProgressWait.await(() -> received.get() >= 10, received::get, STALL, MAX, clock);
        assertThat(done).isFalse();
        assertThat(Duration.ofNanos(clock.now.get())).isBetween(STALL, STALL.plusSeconds(1));
    }

    @Test
    void neverEndingProgressIsBoundedOverall() {
        FakeClock clock = new FakeClock();
        AtomicLong received = new AtomicLong();
        clock.onPause = received::incrementAndGet;
        boolean done = ProgressWait.await(() -> false, received::get, STALL, MAX, clock);
        assertThat(done).isFalse();
        assertThat(Duration.ofNanos(clock.now.get())).isBetween(MAX, MAX.plusSeconds(1));
    }
}
