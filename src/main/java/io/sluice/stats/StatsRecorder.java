package io.sluice.stats;

import java.util.Objects;

/**
 * Thread-safe recorder of {@code double} samples, for use from pipeline stages that run on several
 * threads (see {@link Stats}).
 *
 * <h2>Design</h2>
 * Samples go to one of a fixed number of <em>stripes</em>, each a {@link RunningStats} guarded by
 * its own monitor; the stripe is chosen from the recording thread's id, so distinct threads mostly
 * use distinct stripes and a {@code synchronized} block is then uncontended (a single CAS).
 * Two threads that map to the same stripe simply serialise on it: correctness never depends on the
 * mapping. {@link #snapshot()} locks each stripe in turn and merges it into a fresh summary
 * ({@link RunningStats#merge}). This is a deliberate trade-off: a lock-free design would need either
 * per-sample CAS loops on several fields or unsynchronised per-thread state that a snapshot cannot
 * read consistently, while a short per-stripe critical section is simple and obviously correct.
 *
 * <h2>Consistency</h2>
 * Every sample whose {@link #record} returned before {@code snapshot()} started is included; a
 * sample recorded concurrently with a snapshot is either included or not, never half-included
 * (count, sum, mean, variance, min and max always describe the same set of samples). Because
 * stripes are read one after another, a snapshot is not an atomic cut across threads.
 * {@link #snapshotAndReset()} moves each stripe's content out under its lock, so successive calls
 * partition the recorded samples: each sample appears in exactly one of them.
 */
public final class StatsRecorder {

    private static final int MAX_STRIPES = 64;

    private final String name;
    private final Stripe[] stripes;
    private final int mask;

    /** A recorder named {@code "stats"} with a stripe count derived from the number of processors. */
    public StatsRecorder() {
        this("stats");
    }

    /**
     * A recorder with a stripe count derived from the number of processors.
     *
     * @param name a label, for {@link #toString()} and logs
     */
    public StatsRecorder(String name) {
        this(name, Runtime.getRuntime().availableProcessors() * 2);
    }

    /**
     * @param name a label, for {@link #toString()} and logs
     * @param stripes requested number of stripes, at least 1; rounded up to a power of two and
     *     capped at 64
     */
    public StatsRecorder(String name, int stripes) {
        this.name = Objects.requireNonNull(name, "name");
        if (stripes < 1) {
            throw new IllegalArgumentException("stripes must be >= 1, was " + stripes);
        }
        int n = 1;
        while (n < stripes && n < MAX_STRIPES) {
            n <<= 1;
        }
        this.stripes = new Stripe[n];
        for (int i = 0; i < n; i++) {
            this.stripes[i] = new Stripe();
        }
        this.mask = n - 1;
    }

    /**
     * Records one sample. Safe to call from any number of threads.
     *
     * @param x the sample; must be finite
     * @throws IllegalArgumentException if {@code x} is {@code NaN} or infinite (nothing is recorded)
     */
    public void record(double x) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("sample must be finite, was " + x);
        }
        Stripe s = stripes[stripeIndex()];
        synchronized (s) {
            s.stats.update(x);
        }
    }

    private int stripeIndex() {
        long id = Thread.currentThread().getId();
        // Fibonacci hashing spreads consecutive thread ids over the stripes.
        return (int) ((id * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }

    /** @return an immutable summary of all samples recorded so far (see class doc for consistency) */
    public StatsSnapshot snapshot() {
        return merged(false).snapshot();
    }

    /**
     * @return a new, caller-owned {@link RunningStats} holding all samples recorded so far, e.g. to
     *     {@link RunningStats#merge merge} several recorders
     */
    public RunningStats toRunningStats() {
        return merged(false);
    }

    /**
     * Returns a summary of the samples recorded since the previous reset and empties the recorder;
     * successive calls see disjoint sets of samples whose union is everything recorded.
     *
     * @return the summary of the samples removed
     */
    public StatsSnapshot snapshotAndReset() {
        return merged(true).snapshot();
    }

    private RunningStats merged(boolean reset) {
        RunningStats total = new RunningStats();
        for (Stripe s : stripes) {
            synchronized (s) {
                total.merge(s.stats);
                if (reset) {
                    s.stats.reset();
                }
            }
        }
        return total;
    }

    /** @return the number of stripes (a power of two) */
    public int stripes() {
        return stripes.length;
    }

    /** @return the label given at construction */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "StatsRecorder{" + name + ", " + snapshot() + '}';
    }

    private static final class Stripe {
        final RunningStats stats = new RunningStats();
    }
}
