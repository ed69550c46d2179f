package io.sluice.demo;

import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.event.PipelineStopped;
import io.sluice.overflow.Overflow;
import io.sluice.overflow.OverflowPolicy;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineHandle;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import io.sluice.stats.StatsSnapshot;
import io.sluice.stats.Stats;
import io.sluice.stats.StatsRecorder;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The overflow-policy demo, {@code sluice overflow-demo} (the README's main command is the gateway
 * demo, {@link GatewayDemo}): pushes generated messages of the four reference sizes (18, 4266,
 * 6786, 79435 B) from a fast producer through each overflow policy into a deliberately slow
 * consumer (it checksums every payload), then prints what each policy delivered and lost, and
 * running stats of what got through.
 *
 * <p>Command-line output is this class's job, so it prints to standard out.
 */
public final class Demo {

    /** The message sizes of the talk Sluice grew from. */
    static final int[] SIZES = {18, 4266, 6786, 79435};

    private Demo() {
    }

    /**
     * @param args optional: number of messages per pipeline (default 100000) and capacity (default 1024)
     */
    public static void main(String[] args) {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int capacity = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        List<Result> results = run(count, capacity);
        print(System.out, count, capacity, results);
        Schedulers.shutdownNow();
    }

    /** Outcome of one pipeline. */
    record Result(String policy, long sent, long delivered, long dropped, long discarded, String outcome,
                  StatsSnapshot sizes, StatsSnapshot crcMicros) {

        boolean accountedFor() {
            return sent == delivered + dropped + discarded;
        }
    }

    static List<Result> run(int count, int capacity) {
        byte[][] payloads = new byte[SIZES.length][];
        for (int i = 0; i < SIZES.length; i++) {
            payloads[i] = new byte[SIZES[i]];
            for (int j = 0; j < SIZES[i]; j++) {
                payloads[i][j] = (byte) (j * 31 + i);
            }
        }
        EventDispatcher events = new EventDispatcher();
        Map<String, PipelineStopped> ends = new ConcurrentHashMap<>();
        events.on(PipelineStopped.class, e -> ends.put(e.pipeline(), e));

        List<OverflowPolicy<Message>> policies = List.of(
                Overflow.<Message>dropNewest(capacity).named("drop-newest"),
                Overflow.<Message>overwriteOldest(capacity).named("overwrite-oldest"),
                Overflow.<Message>block(capacity).named("block"),
                Overflow.<Message>fail(capacity).named("fail"));
        List<PipelineHandle> handles = new ArrayList<>();
        List<LongAdder[]> counters = new ArrayList<>();
        List<StatsRecorder[]> recorders = new ArrayList<>();
        List<Scheduler> schedulers = new ArrayList<>();

        for (OverflowPolicy<Message> policy : policies) {
            LongAdder sent = new LongAdder();
            LongAdder delivered = new LongAdder();
            StatsRecorder sizes = new StatsRecorder();
            StatsRecorder crcMicros = new StatsRecorder();
            Scheduler producer = Schedulers.newSingle("producer-" + policy.name());
            Scheduler consumer = Schedulers.newSingle("consumer-" + policy.name());
            schedulers.add(producer);
            schedulers.add(consumer);

            Source<Message> generator = () -> Flux.range(0, count)
                    .map(i -> Message.builder().payload(payloads[i % payloads.length]).sequence(i).build())
                    .subscribeOn(producer);
            Sink<Message> slowChecksum = messages -> messages
                    .publishOn(consumer, 16)
                    .doOnNext(m -> {
                        long t0 = System.nanoTime();
                        CRC32 crc = new CRC32();
                        crc.update(m.payload());
                        crc.getValue();
                        crcMicros.record((System.nanoTime() - t0) / 1_000.0);
                        delivered.increment();
                    })
                    .then();

            handles.add(Pipeline.from(generator)
                    .named(policy.name())
                    .events(events)
                    .via(f -> f.doOnNext(m -> sent.increment()))
                    .overflow(policy)
                    .via(Stats.tap(sizes, Message::size))
                    .to(slowChecksum)
                    .start());
            counters.add(new LongAdder[] {sent, delivered});
            recorders.add(new StatsRecorder[] {sizes, crcMicros});
        }
        for (PipelineHandle h : handles) {
            h.done().onErrorResume(e -> reactor.core.publisher.Mono.empty()).block(Duration.ofMinutes(5));
        }
        schedulers.forEach(Scheduler::dispose);

        List<Result> results = new ArrayList<>();
        for (int i = 0; i < policies.size(); i++) {
            OverflowPolicy<Message> p = policies.get(i);
            PipelineStopped end = ends.get(p.name());
            String outcome = end == null ? "?" : end.outcome()
                    + (end.error() == null ? "" : " (" + end.error().getClass().getSimpleName() + ")");
            results.add(new Result(p.name(), counters.get(i)[0].sum(), counters.get(i)[1].sum(), p.dropped(),
                    p.discardedOnCancel(), outcome, recorders.get(i)[0].snapshot(), recorders.get(i)[1].snapshot()));
        }
        return results;
    }

    static void print(PrintStream out, int count, int capacity, List<Result> results) {
        out.printf("Sluice demo: %,d messages per pipeline (sizes 18/4266/6786/79435 B), capacity %d,%n", count, capacity);
        out.println("fast producer -> overflow stage -> slow consumer (CRC32 of every payload)");
        out.println();
        out.printf("%-17s %10s %10s %10s %10s  %-8s %-26s%n", "policy", "sent", "delivered", "dropped",
                "cancelled", "adds up", "outcome");
        for (Result r : results) {
            out.printf("%-17s %,10d %,10d %,10d %,10d  %-8s %-26s%n", r.policy(), r.sent(), r.delivered(), r.dropped(),
                    r.discarded(), r.accountedFor() ? "yes" : "NO", r.outcome());
        }
        out.println();
        out.printf("%-17s %10s %12s %12s %10s %10s   %s%n", "delivered sizes", "count", "mean B", "stddev B", "min B",
                "max B", "CRC32 us/msg mean");
        for (Result r : results) {
            StatsSnapshot s = r.sizes();
            out.printf("%-17s %,10d %12.1f %12.1f %10.0f %10.0f   %.2f%n", r.policy(), s.count(), s.mean(), s.stddev(),
                    s.min(), s.max(), r.crcMicros().mean());
        }
    }
}
