package io.sluice.stats;

import io.sluice.Message;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import reactor.core.publisher.Flux;

/**
 * Operators that feed a {@link StatsRecorder} from a reactive pipeline. Each returns a plain
 * {@code Function}, usable with {@code Flux.transform}, {@code Flux.map} or the pipeline DSL
 * ({@code Pipeline.via}, {@code Pipeline.map}).
 *
 * <ul>
 *   <li>{@link #tap} records a measure of every element (e.g. {@link #messageSizes message size})
 *       and passes the elements through unchanged.</li>
 *   <li>{@link #timed} wraps a synchronous function and records the wall-clock nanoseconds spent
 *       inside each call.</li>
 *   <li>{@link #latency} wraps a 1-to-1, order-preserving stage and records, per element, the
 *       nanoseconds between the element entering the stage and the corresponding result leaving
 *       it (including any time queued or on another thread inside the stage).</li>
 * </ul>
 * Times are measured with {@link System#nanoTime()}.
 */
public final class Stats {

    /** Default bound on the elements in flight tracked by {@link #latency(StatsRecorder, Function)}. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 1024;

    private Stats() {
    }

    /**
     * A pass-through stage that records {@code measure} of each element as it passes (in
     * {@code onNext}, before the element is handed downstream). Elements, order, demand and
     * terminal signals are unchanged. If {@code measure} throws, or returns a non-finite value, the
     * flux terminates with that error (nothing is recorded for that element).
     *
     * @param recorder receives one sample per element
     * @param measure the value to record for an element
     * @param <T> element type
     * @return the stage, for {@code flux.transform(...)}
     */
    public static <T> Function<Flux<T>, Flux<T>> tap(StatsRecorder recorder, ToDoubleFunction<? super T> measure) {
        Objects.requireNonNull(recorder, "recorder");
        Objects.requireNonNull(measure, "measure");
        return flux -> flux.doOnNext(t -> recorder.record(measure.applyAsDouble(t)));
    }

    /**
     * Records the payload size in bytes ({@link Message#size()}) of each message.
     *
     * @param recorder receives one sample per message
     * @return a pass-through stage, see {@link #tap}
     */
    public static Function<Flux<Message>, Flux<Message>> messageSizes(StatsRecorder recorder) {
        return tap(recorder, Message::size);
    }

    /**
     * Wraps {@code fn} so that each call records the nanoseconds spent in {@code fn.apply} (wall
     * clock, on the calling thread). Calls that throw are not recorded; the exception propagates.
     * Intended for synchronous mapping functions: {@code flux.map(Stats.timed(rec, this::parse))}.
     *
     * @param recorder receives one sample (nanoseconds) per successful call
     * @param fn the function to time
     * @param <T> argument type
     * @param <R> result type
     * @return the timed function
     */
    public static <T, R> Function<T, R> timed(StatsRecorder recorder, Function<? super T, ? extends R> fn) {
        Objects.requireNonNull(recorder, "recorder");
        Objects.requireNonNull(fn, "fn");
        return t -> {
            long start = System.nanoTime();
            R r = fn.apply(t);
            recorder.record(System.nanoTime() - start);
            return r;
        };
    }

    /**
     * {@link #latency(StatsRecorder, int, Function)} tracking at most {@link #DEFAULT_MAX_IN_FLIGHT}
     * elements in flight.
     *
     * @param recorder receives one sample (nanoseconds) per matched element
     * @param stage a 1-to-1, order-preserving stage
     * @param <T> input type
     * @param <R> output type
     * @return the measured stage
     */
    public static <T, R> Function<Flux<T>, Flux<R>> latency(StatsRecorder recorder,
                                                            Function<? super Flux<T>, ? extends Flux<R>> stage) {
        return latency(recorder, DEFAULT_MAX_IN_FLIGHT, stage);
    }

    /**
     * Wraps {@code stage} and records, for each element, the nanoseconds from the moment the
     * element is handed to the stage ({@code onNext} into it) to the moment the stage emits the
     * corresponding result ({@code onNext} out of it, before downstream processes it).
     *
     * <p><b>Assumption:</b> the stage emits exactly one result per input, in input order (like
     * {@code map}, {@code concatMap} of single values, {@code publishOn}). The n-th output is paired
     * with the n-th input by position; for a stage that filters, splits or reorders, the recorded
     * values are meaningless (memory stays bounded regardless).
     *
     * <p>Entry timestamps are kept per subscription in a ring of {@code maxInFlight} slots (rounded up
     * to a power of two). When more elements than that are inside the stage at once, the oldest entry
     * timestamps are overwritten and those elements are simply not recorded; the others are unaffected.
     * {@code stage} is applied once per subscription.
     *
     * @param recorder receives one sample (nanoseconds) per matched element
     * @param maxInFlight entry timestamps remembered, at least 1
     * @param stage a 1-to-1, order-preserving stage
     * @param <T> input type
     * @param <R> output type
     * @return the measured stage
     */
    public static <T, R> Function<Flux<T>, Flux<R>> latency(StatsRecorder recorder, int maxInFlight,
                                                            Function<? super Flux<T>, ? extends Flux<R>> stage) {
        Objects.requireNonNull(recorder, "recorder");
        Objects.requireNonNull(stage, "stage");
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
        }
        return upstream -> Flux.defer(() -> {
            LatencyRing ring = new LatencyRing(recorder, maxInFlight);
            return stage.apply(upstream.doOnNext(t -> ring.entered())).doOnNext(r -> ring.left());
        });
    }

    /**
     * Entry timestamps indexed by input position, for one subscription. {@link #entered} is called
     * serially by the upstream's {@code onNext} and {@link #left} serially by the stage's
     * {@code onNext} (Reactive Streams rule 1.3 gives each side happens-before between its calls),
     * possibly on different threads. Each slot is a tiny seqlock: the writer invalidates the slot,
     * writes the time, then publishes the position; the reader accepts the time only if the slot
     * showed its position both before and after reading it. Positions only grow, so there is no ABA.
     */
    static final class LatencyRing {
        private final StatsRecorder recorder;
        private final AtomicLongArray positions;
        private final AtomicLongArray times;
        private final int mask;
        private long in;
        private long out;

        LatencyRing(StatsRecorder recorder, int maxInFlight) {
            this.recorder = recorder;
            int size = 1;
            while (size < maxInFlight && size < (1 << 30)) {
                size <<= 1;
            }
            this.positions = new AtomicLongArray(size);
            for (int i = 0; i < size; i++) {
                positions.set(i, -1L);
            }
            this.times = new AtomicLongArray(size);
            this.mask = size - 1;
        }

        void entered() {
            long i = in++;
            int k = (int) i & mask;
            positions.set(k, -1L);
            times.set(k, System.nanoTime());
            positions.set(k, i);
        }

        void left() {
            long now = System.nanoTime();
            long j = out++;
            int k = (int) j & mask;
            if (positions.get(k) != j) {
                return;
            }
            long start = times.get(k);
            if (positions.get(k) != j) {
                return;
            }
            recorder.record(now - start);
        }
    }
}
