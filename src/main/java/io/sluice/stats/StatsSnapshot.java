package io.sluice.stats;

/**
 * Immutable point-in-time copy of the values of a {@link RunningStats}, as returned by
 * {@link RunningStats#snapshot()} and {@link StatsRecorder#snapshot()}. The conventions for empty
 * and single-sample summaries are those of {@link RunningStats}.
 *
 * @param count number of samples
 * @param mean arithmetic mean; {@code NaN} when empty
 * @param variance population variance; {@code NaN} when empty, {@code 0} for one sample
 * @param sampleVariance unbiased sample variance; {@code NaN} for fewer than two samples
 * @param min smallest sample; {@code NaN} when empty
 * @param max largest sample; {@code NaN} when empty
 * @param sum sum of the samples; {@code 0} when empty
 */
public record StatsSnapshot(long count, double mean, double variance, double sampleVariance, double min,
                            double max, double sum) {

    /** An empty snapshot. */
    public static final StatsSnapshot EMPTY = new RunningStats().snapshot();

    /** @return the population standard deviation, {@code sqrt(variance())} */
    public double stddev() {
        return Math.sqrt(variance);
    }
}
