package io.sluice.persist;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Ack;
import io.sluice.Message;
import io.sluice.overflow.Overflow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Sinks;

/**
 * Issue 14, {@link PersistentBuilder#deliverOnAppend()} (an interval fsync in a gateway: the source's
 * event loop appends, no hand-off thread): a reader that keeps up gets each record on the appending
 * thread, from memory; records no longer in memory are read from the file on the stage's own io
 * thread only, never on the appending thread; everything arrives once, in order; and a sender is
 * still acknowledged only once its record is durable (the group commit covers its offset).
 */
class DeliverOnAppendTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** Stands in for a network event loop: one thread that emits every message. */
    private final ExecutorService source = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-source"));

    @AfterEach
    void stop() throws InterruptedException {
        source.shutdown();
        assertThat(source.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private PersistentBuilder builder() {
        // checkpoints every 30 s: no timer-thread drain during the test
        return Overflow.persistent(dir).fsync(Fsync.every(Duration.ofMillis(20))).checkpointInterval(Duration.ofSeconds(30))
                .explicitAck(1 << 15).deliverOnAppend();
    }

    private static Message msg(int i) {
        return Message.of(("m" + i).getBytes(StandardCharsets.UTF_8));
    }

    private static int id(Message m) {
        return Integer.parseInt(m.payloadUtf8().substring(1));
    }

    private void emit(Sinks.Many<Message> sink, int from, int to) throws Exception {
        source.submit(() -> {
            for (int i = from; i < to; i++) {
                assertThat(sink.tryEmitNext(msg(i)).isSuccess()).isTrue();
            }
        }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static void await(BooleanSupplier cond, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** Records each message with the thread it arrived on, and acknowledges it. */
    private static final class Recorder extends BaseSubscriber<Message> {
        final List<Integer> ids = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        private final long initial;

        Recorder(long initial) {
            this.initial = initial;
        }

        @Override
        protected void hookOnSubscribe(Subscription s) {
            if (initial > 0) {
                s.request(initial);
            }
        }

        @Override
        protected void hookOnNext(Message m) {
            ids.add(id(m));
            threads.add(Thread.currentThread().getName());
            m.ack();
        }
    }

    @Test
    void aReaderThatKeepsUpGetsEachRecordOnTheAppendingThread() throws Exception {
        Sinks.Many<Message> sink = Sinks.many().unicast().onBackpressureBuffer();
        Recorder r = new Recorder(Long.MAX_VALUE);
        try (PersistentOverflow stage = builder().build()) {
            sink.asFlux().transform(stage).subscribe(r);
            emit(sink, 0, 100); // the first drain (the request, on the io thread) may still run meanwhile
            await(() -> r.ids.size() == 100, "the first 100 delivered");
            emit(sink, 100, 300);
            await(() -> r.ids.size() == 300, "300 delivered");
            assertThat(r.ids).isSorted().doesNotHaveDuplicates();
            assertThat(r.threads.subList(100, 300)).as("delivered by the appending thread, no hand-off")
                    .containsOnly("test-source");
            await(() -> stage.records() == 0, "every record acknowledged");
            r.dispose();
        }
    }

    @Test
    void recordsNoLongerInMemoryAreReadOnTheStagesOwnThreadOnly() throws Exception {
        int n = MemoryTail.CAPACITY + 2_000;
        Sinks.Many<Message> sink = Sinks.many().unicast().onBackpressureBuffer();
        Recorder r = new Recorder(0);
        FaultyFs fs = new FaultyFs(dir); // no fault set: the real files, recording which threads read them
        try (PersistentOverflow stage = builder().build(fs)) {
            sink.asFlux().transform(stage).subscribe(r);
            emit(sink, 0, n); // nobody reads: the first 2,000 leave the memory tail
            await(() -> stage.appended() == n, "every message appended");
            assertThat(r.ids).isEmpty();
            r.request(500);
            await(() -> r.ids.size() == 500, "500 delivered");
            // the rest while the source appends more: the appending thread may deliver only what is in memory
            r.request(Long.MAX_VALUE);
            emit(sink, n, n + 3_000);
            await(() -> r.ids.size() == n + 3_000, "everything delivered");
            assertThat(r.ids).isSorted().doesNotHaveDuplicates();
            // record 0 was read ahead from memory before it left the tail (the drain reads one ahead), so the
            // requesting thread may hand that one over itself; every later one of the 500 is read from the file
            assertThat(r.threads.subList(1, 500)).as("read from the file").allMatch(t -> t.startsWith("sluice-persist-io-"));
            assertThat(fs.readThreads).as("threads that read the files").isNotEmpty()
                    .allMatch(t -> t.startsWith("sluice-persist-"));
            r.dispose();
        }
    }

    @Test
    void aBacklogOnDiskIsDeliveredWholeToAConsumerThatRequestsInBatches() throws Exception {
        int n = 3 * Reading.PREFETCH + 7; // more than one read-ahead run, and more than the consumer's batch
        try (PersistentOverflow stage = builder().build()) { // run 1: appended, nobody reads
            Sinks.Many<Message> sink = Sinks.many().unicast().onBackpressureBuffer();
            Recorder idle = new Recorder(0);
            sink.asFlux().transform(stage).subscribe(idle);
            emit(sink, 0, n);
            await(() -> stage.appended() == n, "every message appended");
            idle.dispose();
        }
        // run 2: the backlog is read from the file (the io thread); the consumer takes 256 at a time on a
        // thread of its own (a sink's publishOn), and one new message arrives meanwhile
        List<Integer> got = new CopyOnWriteArrayList<>();
        try (PersistentOverflow stage = builder().build()) {
            Sinks.Many<Message> sink = Sinks.many().unicast().onBackpressureBuffer();
            reactor.core.Disposable d = sink.asFlux().transform(stage)
                    .publishOn(reactor.core.scheduler.Schedulers.boundedElastic(), 256)
                    .subscribe(m -> {
                        got.add(id(m));
                        m.ack();
                    });
            emit(sink, n, n + 1);
            sink.tryEmitComplete(); // the source is done: the stage completes once everything is delivered
            await(() -> got.size() == n + 1, "the backlog and the new message delivered (" + got.size() + " so far)");
            assertThat(got).isSorted().doesNotHaveDuplicates();
            d.dispose();
        }
    }

    @Test
    void sendersAreAcknowledgedOnlyOnceTheirRecordIsDurable() throws Exception {
        Sinks.Many<Message> sink = Sinks.many().unicast().onBackpressureBuffer();
        Recorder r = new Recorder(Long.MAX_VALUE);
        List<Integer> early = new CopyOnWriteArrayList<>();
        AtomicLong acked = new AtomicLong();
        try (PersistentOverflow stage = builder().build()) {
            sink.asFlux().transform(stage).subscribe(r);
            source.submit(() -> {
                for (int i = 0; i < 2_000; i++) {
                    int id = i;
                    sink.tryEmitNext(msg(i).withAck(() -> {
                        if (stage.durableOffset() < id) { // a fresh log: message i gets offset i
                            early.add(id);
                        }
                        acked.incrementAndGet();
                    }));
                }
            }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            await(() -> acked.get() == 2_000, "every sender acknowledged (by a group commit)");
            assertThat(early).as("acknowledged before durable").isEmpty();
            assertThat(r.ids).hasSize(2_000).isSorted();
            r.dispose();
        }
    }
}
