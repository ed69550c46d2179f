package io.sluice.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Live-thread accounting for stop/cleanup tests. A test runs one warm-up round first (so that
 * reactor-netty's shared event loops, which live for the whole JVM, are already started), takes a
 * {@link #settle settled} baseline, runs the measured round, stops it, and then
 * {@link #awaitBackTo waits} (bounded) until no more threads are alive than at the baseline.
 */
public final class LiveThreads {

    private LiveThreads() {
    }

    /** @return the names of the threads alive now (one entry per thread, id appended) */
    public static Set<String> snapshot() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(t -> t.getName() + "#" + t.getId())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * Waits until the live thread count has stayed the same for {@code quiet} (at most {@code max}),
     * so that threads still finishing from earlier work do not distort the baseline.
     *
     * @param quiet how long the count must stay unchanged
     * @param max upper bound of the wait
     * @return the threads alive at the end
     * @throws InterruptedException if interrupted
     */
    public static Set<String> settle(Duration quiet, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        Set<String> last = snapshot();
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline && System.nanoTime() - stableSince < quiet.toNanos()) {
            Thread.sleep(100);
            Set<String> now = snapshot();
            if (now.size() != last.size()) {
                stableSince = System.nanoTime();
            }
            last = now;
        }
        return last;
    }

    /**
     * Waits (bounded) until no more threads are alive than in {@code baseline}; fails otherwise,
     * naming the threads that were not alive at the baseline.
     *
     * @param baseline what {@link #settle} returned before the measured round
     * @param max upper bound of the wait
     * @throws InterruptedException if interrupted
     */
    public static void awaitBackTo(Set<String> baseline, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        Set<String> now = snapshot();
        while (now.size() > baseline.size() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            now = snapshot();
        }
        Set<String> extra = new TreeSet<>(now);
        extra.removeAll(baseline);
        assertThat(now.size()).as("live threads after stop (not alive at the baseline: %s)", extra)
                .isLessThanOrEqualTo(baseline.size());
    }
}
