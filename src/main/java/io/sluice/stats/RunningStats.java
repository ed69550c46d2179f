package io.sluice.stats;

/**
 * Online statistics of a stream of samples in O(1) space: count, mean, variance and standard
 * deviation (Welford's algorithm, numerically stable even with a large offset), min, max and sum.
 * Two instances combine with {@link #merge(RunningStats)} (Chan, Golub and LeVeque's parallel
 * formula), so per-thread or per-partition stats can be computed independently and merged.
 *
 * <p>Empty stats have count 0 and NaN for mean, variance, min and max. Not thread-safe: use one
 * instance per thread, or {@link StatsRecorder} from several threads.
 */
public final class RunningStats {

    private long count;
    private double mean;
    private double m2;
    private double min = Double.NaN;
    private double max = Double.NaN;

    /** Empty stats. */
    public RunningStats() {
    }

    private RunningStats(long count, double mean, double m2, double min, double max) {
        this.count = count;
        this.mean = mean;
        this.m2 = m2;
        this.min = min;
        this.max = max;
    }

    /**
     * Adds one sample.
     *
     * @param x the sample; NaN is rejected
     */
    public void update(double x) {
        if (Double.isNaN(x)) {
            throw new IllegalArgumentException("sample is NaN");
        }
        count++;
        double delta = x - mean;
        mean += delta / count;
        m2 += delta * (x - mean);
        if (count == 1) {
            min = x;
            max = x;
        } else {
            if (x < min) {
                min = x;
            }
            if (x > max) {
                max = x;
            }
        }
    }

    /**
     * Adds every sample of {@code other} to this instance (Chan et al.); {@code other} is unchanged.
     *
     * @param other stats of another partition
     * @return this
     */
    public RunningStats merge(RunningStats other) {
        if (other.count == 0) {
            return this;
        }
        if (count == 0) {
            count = other.count;
            mean = other.mean;
            m2 = other.m2;
            min = other.min;
            max = other.max;
            return this;
        }
        long n = count + other.count;
        double delta = other.mean - mean;
        mean += delta * other.count / n;
        m2 += other.m2 + delta * delta * ((double) count * other.count / n);
        count = n;
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
        return this;
    }

    /** @return an independent copy */
    public RunningStats copy() {
        return new RunningStats(count, mean, m2, min, max);
    }

    /** @return number of samples */
    public long count() {
        return count;
    }

    /** @return arithmetic mean, NaN when empty */
    public double mean() {
        return count == 0 ? Double.NaN : mean;
    }

    /** @return sum of the samples (mean times count), 0 when empty */
    public double sum() {
        return count == 0 ? 0.0 : mean * count;
    }

    /** @return population variance (divides by n), NaN when empty, 0 for one sample */
    public double variance() {
        return count == 0 ? Double.NaN : m2 / count;
    }

    /** @return sample variance (divides by n - 1), NaN with fewer than two samples */
    public double sampleVariance() {
        return count < 2 ? Double.NaN : m2 / (count - 1);
    }

    /** @return population standard deviation, NaN when empty */
    public double stddev() {
        return Math.sqrt(variance());
    }

    /** @return smallest sample, NaN when empty */
    public double min() {
        return min;
    }

    /** @return largest sample, NaN when empty */
    public double max() {
        return max;
    }

    @Override
    public String toString() {
        return String.format("RunningStats{count=%d, mean=%.4f, stddev=%.4f, min=%s, max=%s}", count, mean(), stddev(),
                min, max);
    }
}
