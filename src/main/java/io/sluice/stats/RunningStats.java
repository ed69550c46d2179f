package io.sluice.stats;

/**
 * Streaming summary statistics of a sequence of {@code double} samples in O(1) space: count, sum,
 * mean, variance, standard deviation, minimum and maximum.
 *
 * <p>Mean and variance use Welford's online algorithm (the running mean and the running sum of
 * squared deviations {@code M2}), which stays accurate when the samples have a large common offset
 * (e.g. {@code 1e6 + noise}), unlike the naive {@code sum(x^2) - sum(x)^2 / n} formula.
 * {@link #merge(RunningStats)} combines two summaries with the pairwise update of Chan, Golub and
 * LeVeque, so partitions summarised independently (per thread, per shard) merge to the same result
 * as a sequential pass, up to rounding. {@link #sum()} is kept separately with compensated
 * (Kahan-Babuska/Neumaier) summation rather than derived from the mean; for integer-valued samples
 * whose running sums stay below 2<sup>53</sup> in magnitude it is exact.
 *
 * <h2>Empty and small summaries</h2>
 * <ul>
 *   <li>Empty ({@code count() == 0}): {@link #sum()} is {@code 0}; {@link #mean()},
 *       {@link #variance()}, {@link #sampleVariance()}, {@link #stddev()}, {@link #min()} and
 *       {@link #max()} are {@code NaN}.</li>
 *   <li>One sample: {@link #variance()} and {@link #stddev()} are {@code 0};
 *       {@link #sampleVariance()} is {@code NaN} (it divides by {@code n - 1}).</li>
 * </ul>
 *
 * <h2>Samples</h2>
 * Only finite samples are accepted: {@link #update(double)} rejects {@code NaN} and infinities with
 * an {@link IllegalArgumentException}, so one bad measurement cannot silently turn every statistic
 * into {@code NaN}.
 *
 * <h2>Thread safety</h2>
 * Not thread-safe: an instance must be confined to one thread or guarded externally. Use
 * {@link StatsRecorder} to record from several threads.
 */
public final class RunningStats {

    private long count;
    private double mean;
    private double m2;
    private double min = Double.NaN;
    private double max = Double.NaN;
    private double sum;
    private double sumCompensation;

    /** Creates an empty summary. */
    public RunningStats() {
    }

    /**
     * @param samples samples to add, in order
     * @return a new summary of {@code samples}
     * @throws IllegalArgumentException if a sample is not finite
     */
    public static RunningStats of(double... samples) {
        RunningStats s = new RunningStats();
        for (double x : samples) {
            s.update(x);
        }
        return s;
    }

    /**
     * Adds one sample (Welford's update).
     *
     * @param x the sample; must be finite
     * @return this
     * @throws IllegalArgumentException if {@code x} is {@code NaN} or infinite
     */
    public RunningStats update(double x) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("sample must be finite, was " + x);
        }
        long n = count + 1;
        if (n == 1) {
            mean = x;
            m2 = 0.0;
            min = x;
            max = x;
        } else {
            double delta = x - mean;
            mean += delta / n;
            m2 += delta * (x - mean);
            if (x < min) {
                min = x;
            }
            if (x > max) {
                max = x;
            }
        }
        count = n;
        addToSum(x);
        return this;
    }

    /**
     * Merges {@code other} into <em>this</em> summary, in place (Chan et al.'s parallel combination):
     * afterwards this summary describes the samples of both. {@code other} is not modified; merging
     * a summary with itself is allowed and doubles every sample.
     *
     * @param other the summary to add
     * @return this
     */
    public RunningStats merge(RunningStats other) {
        // Read all of other's state first, so merge(this) works.
        long nb = other.count;
        if (nb == 0) {
            return this;
        }
        double meanB = other.mean;
        double m2B = other.m2;
        double minB = other.min;
        double maxB = other.max;
        double sumB = other.sum;
        double compB = other.sumCompensation;
        long na = count;
        if (na == 0) {
            count = nb;
            mean = meanB;
            m2 = m2B;
            min = minB;
            max = maxB;
            sum = sumB;
            sumCompensation = compB;
            return this;
        }
        long n = na + nb;
        double delta = meanB - mean;
        double weightB = (double) nb / n;
        mean += delta * weightB;
        m2 += m2B + delta * delta * ((double) na * weightB);
        min = Math.min(min, minB);
        max = Math.max(max, maxB);
        count = n;
        addToSum(sumB);
        addToSum(compB);
        return this;
    }

    /** Neumaier's variant of Kahan summation. */
    private void addToSum(double x) {
        double t = sum + x;
        if (Math.abs(sum) >= Math.abs(x)) {
            sumCompensation += (sum - t) + x;
        } else {
            sumCompensation += (x - t) + sum;
        }
        sum = t;
    }

    /**
     * @return an independent copy of this summary: merging into an empty summary takes every field
     *         as it is (an empty one's fields are the defaults)
     */
    public RunningStats copy() {
        return new RunningStats().merge(this);
    }

    /** Empties this summary. */
    public void reset() {
        count = 0;
        mean = 0.0;
        m2 = 0.0;
        min = Double.NaN;
        max = Double.NaN;
        sum = 0.0;
        sumCompensation = 0.0;
    }

    /** @return an immutable snapshot of the current values */
    public StatsSnapshot snapshot() {
        return new StatsSnapshot(count(), mean(), variance(), sampleVariance(), min(), max(), sum());
    }

    /** @return the number of samples */
    public long count() {
        return count;
    }

    /** @return the compensated sum of the samples; {@code 0} when empty */
    public double sum() {
        return sum + sumCompensation;
    }

    /** @return the arithmetic mean; {@code NaN} when empty */
    public double mean() {
        return count == 0 ? Double.NaN : mean;
    }

    /** @return the population variance {@code M2 / n}; {@code NaN} when empty, {@code 0} for one sample */
    public double variance() {
        return count == 0 ? Double.NaN : m2 / count;
    }

    /** @return the sample (unbiased) variance {@code M2 / (n - 1)}; {@code NaN} for fewer than two samples */
    public double sampleVariance() {
        return count < 2 ? Double.NaN : m2 / (count - 1);
    }

    /** @return the population standard deviation, {@code sqrt(variance())}; {@code NaN} when empty */
    public double stddev() {
        return Math.sqrt(variance());
    }

    /** @return the smallest sample; {@code NaN} when empty */
    public double min() {
        return min;
    }

    /** @return the largest sample; {@code NaN} when empty */
    public double max() {
        return max;
    }

    @Override
    public String toString() {
        return "RunningStats{count=" + count + ", mean=" + mean() + ", stddev=" + stddev() + ", min=" + min
                + ", max=" + max + ", sum=" + sum() + '}';
    }
}
