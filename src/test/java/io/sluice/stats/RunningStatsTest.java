package io.sluice.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RunningStatsTest {

    private static final int N = 1_000_000;
    private static final double OFFSET = 1e6;
    private static final double TOLERANCE = 1e-9;

    private static double[] samples;
    private static double refMean;
    private static double refVariance;
    private static double refMin;
    private static double refMax;

    @BeforeAll
    static void generateAndComputeTwoPass() {
        Random random = new Random(42);
        samples = new double[N];
        for (int i = 0; i < N; i++) {
            samples[i] = OFFSET + random.nextGaussian() * 0.5 + random.nextDouble();
        }
        // Two-pass reference: exact sum for the mean, then the mean squared deviation.
        BigDecimal exactSum = BigDecimal.ZERO;
        refMin = Double.POSITIVE_INFINITY;
        refMax = Double.NEGATIVE_INFINITY;
        for (double x : samples) {
            exactSum = exactSum.add(new BigDecimal(x));
            refMin = Math.min(refMin, x);
            refMax = Math.max(refMax, x);
        }
        refMean = exactSum.divide(BigDecimal.valueOf(N), MathContext.DECIMAL128).doubleValue();
        double sq = 0.0;
        double c = 0.0;
        for (double x : samples) {
            double d = x - refMean;
            double y = d * d - c;
            double t = sq + y;
            c = (t - sq) - y;
            sq = t;
        }
        refVariance = sq / N;
    }

    private static void assertRelative(double actual, double expected) {
        assertThat(Math.abs(actual - expected) / Math.abs(expected))
                .as("relative error of %s vs %s", actual, expected)
                .isLessThan(TOLERANCE);
    }

    @Test
    void datasetDefeatsTheNaiveFormula() {
        // Sanity check of the test data: the textbook sum-of-squares formula is far off here,
        // so agreement of RunningStats below really demonstrates numerical stability.
        double s = 0.0;
        double s2 = 0.0;
        for (double x : samples) {
            s += x;
            s2 += x * x;
        }
        double naive = s2 / N - (s / N) * (s / N);
        assertThat(Math.abs(naive - refVariance) / refVariance).isGreaterThan(1e-6);
    }

    @Test
    void matchesTwoPassOnAMillionOffsetSamples() {
        RunningStats stats = new RunningStats();
        for (double x : samples) {
            stats.update(x);
        }
        assertThat(stats.count()).isEqualTo(N);
        assertRelative(stats.mean(), refMean);
        assertRelative(stats.variance(), refVariance);
        assertRelative(stats.sampleVariance(), refVariance * N / (N - 1));
        assertRelative(stats.stddev(), Math.sqrt(refVariance));
        assertRelative(stats.sum(), refMean * N);
        assertThat(stats.min()).isEqualTo(refMin);
        assertThat(stats.max()).isEqualTo(refMax);
        // roughly 0.5^2 + 1/12 for the noise used
        assertThat(stats.variance()).isCloseTo(0.25 + 1.0 / 12, within(0.01));
    }

    @Test
    void mergeOfPartitionsEqualsSequentialResult() {
        int[] bounds = {0, 1, 17, 100_000, 100_003, 450_000, 999_000, N};
        List<RunningStats> parts = new ArrayList<>();
        for (int p = 0; p + 1 < bounds.length; p++) {
            RunningStats part = new RunningStats();
            for (int i = bounds[p]; i < bounds[p + 1]; i++) {
                part.update(samples[i]);
            }
            parts.add(part);
        }
        parts.add(new RunningStats()); // an empty partition changes nothing

        RunningStats linear = new RunningStats();
        for (RunningStats part : parts) {
            assertThat(linear.merge(part)).isSameAs(linear);
        }
        // Merge in a different shape too: pairwise tree, right to left.
        List<RunningStats> level = new ArrayList<>();
        for (RunningStats part : parts) {
            level.add(part.copy());
        }
        while (level.size() > 1) {
            List<RunningStats> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i += 2) {
                next.add(i + 1 < level.size() ? level.get(i + 1).merge(level.get(i)) : level.get(i));
            }
            level = next;
        }
        RunningStats sequential = RunningStats.of(samples);
        for (RunningStats merged : List.of(linear, level.get(0))) {
            assertThat(merged.count()).isEqualTo(N);
            assertRelative(merged.mean(), sequential.mean());
            assertRelative(merged.variance(), sequential.variance());
            assertRelative(merged.mean(), refMean);
            assertRelative(merged.variance(), refVariance);
            assertRelative(merged.sum(), sequential.sum());
            assertThat(merged.min()).isEqualTo(refMin);
            assertThat(merged.max()).isEqualTo(refMax);
        }
    }

    @Test
    void mergeDoesNotModifyTheArgumentAndIntoEmptyCopiesIt() {
        RunningStats a = RunningStats.of(1, 2, 3);
        RunningStats empty = new RunningStats();
        empty.merge(a);
        assertThat(empty.snapshot()).isEqualTo(a.snapshot());
        assertThat(a.snapshot()).isEqualTo(RunningStats.of(1, 2, 3).snapshot());
        a.merge(new RunningStats());
        assertThat(a.snapshot()).isEqualTo(RunningStats.of(1, 2, 3).snapshot());
    }

    @Test
    void mergeWithItselfDoublesEverySample() {
        RunningStats a = RunningStats.of(1, 2, 3, 10);
        a.merge(a);
        RunningStats expected = RunningStats.of(1, 2, 3, 10, 1, 2, 3, 10);
        assertThat(a.count()).isEqualTo(8);
        assertThat(a.mean()).isCloseTo(expected.mean(), within(1e-12));
        assertThat(a.variance()).isCloseTo(expected.variance(), within(1e-12));
        assertThat(a.sum()).isEqualTo(32.0);
        assertThat(a.min()).isEqualTo(1.0);
        assertThat(a.max()).isEqualTo(10.0);
    }

    @Test
    void emptyIsWellDefined() {
        RunningStats s = new RunningStats();
        assertThat(s.count()).isZero();
        assertThat(s.sum()).isZero();
        assertThat(s.mean()).isNaN();
        assertThat(s.variance()).isNaN();
        assertThat(s.sampleVariance()).isNaN();
        assertThat(s.stddev()).isNaN();
        assertThat(s.min()).isNaN();
        assertThat(s.max()).isNaN();
        assertThat(s.snapshot()).isEqualTo(StatsSnapshot.EMPTY);
        assertThat(StatsSnapshot.EMPTY.count()).isZero();
        assertThat(StatsSnapshot.EMPTY.stddev()).isNaN();
    }

    @Test
    void singleSample() {
        RunningStats s = new RunningStats().update(-3.5);
        assertThat(s.count()).isEqualTo(1);
        assertThat(s.mean()).isEqualTo(-3.5);
        assertThat(s.variance()).isZero();
        assertThat(s.stddev()).isZero();
        assertThat(s.sampleVariance()).isNaN();
        assertThat(s.min()).isEqualTo(-3.5);
        assertThat(s.max()).isEqualTo(-3.5);
        assertThat(s.sum()).isEqualTo(-3.5);
    }

    @Test
    void smallKnownSample() {
        RunningStats s = RunningStats.of(2, 4, 4, 4, 5, 5, 7, 9);
        assertThat(s.mean()).isEqualTo(5.0);
        assertThat(s.variance()).isEqualTo(4.0);
        assertThat(s.stddev()).isEqualTo(2.0);
        assertThat(s.sampleVariance()).isCloseTo(32.0 / 7, within(1e-15));
        assertThat(s.min()).isEqualTo(2.0);
        assertThat(s.max()).isEqualTo(9.0);
        assertThat(s.sum()).isEqualTo(40.0);
        StatsSnapshot snap = s.snapshot();
        assertThat(snap.count()).isEqualTo(8);
        assertThat(snap.mean()).isEqualTo(5.0);
        assertThat(snap.stddev()).isEqualTo(2.0);
        assertThat(snap.sampleVariance()).isEqualTo(s.sampleVariance());
    }

    @Test
    void integerSumIsExact() {
        RunningStats s = new RunningStats();
        for (int i = 1; i <= N; i++) {
            s.update(i);
        }
        assertThat(s.sum()).isEqualTo(500_000_500_000.0);
        assertThat(s.mean()).isEqualTo(500_000.5);
    }

    @Test
    void compensatedSumKeepsSmallValuesNextToLargeOnes() {
        RunningStats s = RunningStats.of(1e16, 1.0, 1.0, -1e16);
        assertThat(s.sum()).isEqualTo(2.0);
    }

    @Test
    void rejectsNonFiniteSamplesAndStaysUnchanged() {
        RunningStats s = RunningStats.of(1, 2);
        StatsSnapshot before = s.snapshot();
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            assertThatThrownBy(() -> s.update(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(s.snapshot()).isEqualTo(before);
    }

    @Test
    void copyIsIndependentAndResetEmpties() {
        RunningStats a = RunningStats.of(1, 2, 3);
        RunningStats b = a.copy();
        b.update(100);
        assertThat(a.count()).isEqualTo(3);
        assertThat(a.max()).isEqualTo(3.0);
        assertThat(b.count()).isEqualTo(4);
        assertThat(b.max()).isEqualTo(100.0);
        b.reset();
        assertThat(b.snapshot()).isEqualTo(StatsSnapshot.EMPTY);
        b.update(7);
        assertThat(b.snapshot()).isEqualTo(RunningStats.of(7).snapshot());
    }

    @Test
    void compensatedSumWhenTheNewSampleOutweighsTheRunningSum() {
        // 1e100 arrives while the sum is 1: the 1 lost in that addition is kept by the compensation.
        RunningStats s = RunningStats.of(1.0, 1e100, 1.0, -1e100);
        assertThat(s.sum()).isEqualTo(2.0);
    }

    @Test
    void mergeKeepsTheOtherSummarysCompensation() {
        RunningStats b = RunningStats.of(1e100, 1.0); // the 1.0 lives only in b's compensation
        RunningStats a = RunningStats.of(5.0);
        a.merge(b).merge(RunningStats.of(-1e100));
        assertThat(a.sum()).isEqualTo(6.0);
        assertThat(a.count()).isEqualTo(4);
    }

    @Test
    void toStringShowsTheFigures() {
        assertThat(RunningStats.of(1, 3).toString())
                .isEqualTo("RunningStats{count=2, mean=2.0, stddev=1.0, min=1.0, max=3.0, sum=4.0}");
    }

    @Test
    void sampleVarianceOfTwoSamples() {
        RunningStats s = RunningStats.of(1, 3);
        assertThat(s.sampleVariance()).isEqualTo(2.0);
        assertThat(s.variance()).isEqualTo(1.0);
        assertThat(RunningStats.of(1).sampleVariance()).isNaN();
    }
}
