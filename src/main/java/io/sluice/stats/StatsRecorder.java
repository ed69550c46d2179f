package io.sluice.stats;

/**
 * Thread-safe {@link RunningStats}: many threads {@link #record(double)}, any thread takes a
 * {@link #snapshot()}.
 *
 * <p>Design: a fixed set of stripes, each a {@code RunningStats} guarded by its own monitor; a
 * thread always uses the stripe picked by its id, so with a few recording threads each mostly
 * takes an uncontended lock (a few nanoseconds). {@link #snapshot()} locks the stripes one at a
 * time and merges them (Chan et al.), so it is exact for all samples recorded before it started.
 * Welford's update needs the mean and M2 to change together, which is why this is a short
 * critical section rather than lock-free counters.
 */
public final class StatsRecorder {

    private static final int STRIPES = Integer.highestOneBit(Math.max(2, Runtime.getRuntime().availableProcessors()) * 2);

    private final RunningStats[] stripes = new RunningStats[STRIPES];

    /** An empty recorder. */
    public StatsRecorder() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new RunningStats();
        }
    }

    /**
     * Records one sample.
     *
     * @param x the sample
     */
    public void record(double x) {
        RunningStats s = stripes[(int) (Thread.currentThread().getId() & (STRIPES - 1))];
        synchronized (s) {
            s.update(x);
        }
    }

    /** @return merged copy of everything recorded so far */
    public RunningStats snapshot() {
        RunningStats all = new RunningStats();
        for (RunningStats s : stripes) {
            synchronized (s) {
                all.merge(s);
            }
        }
        return all;
    }
}
