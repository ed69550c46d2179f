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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/**
 * End-to-end acknowledgements through the persistent stage: towards the source once a record is
 * durable (per fsync setting), and from downstream per delivered message, over contiguous records only.
 */
class PersistentAckTest {

    @TempDir
    Path dir;

    private static Message msg(int i, Ack ack) {
        return Message.builder().payload(("m" + i).getBytes(StandardCharsets.UTF_8)).ack(ack).build();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(2);
        }
    }

    /** Subscribes, requesting everything, keeping the delivered messages without acknowledging them. */
    private static List<Message> hold(PersistentOverflow stage, Flux<Message> upstream) {
        List<Message> got = new CopyOnWriteArrayList<>();
        stage.apply(upstream).subscribe(new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            protected void hookOnNext(Message m) {
                got.add(m);
            }
        });
        return got;
    }

    @Test
    void sourceAcknowledgementsWaitForTheGroupCommit() throws Exception {
        AtomicInteger acked = new AtomicInteger();
        // A long group-commit interval: nothing may be acknowledged before it passes.
        try (PersistentOverflow stage = Overflow.persistent(dir).fsync(Fsync.every(Duration.ofMillis(700)))
                .explicitAck(64).build()) {
            long start = System.nanoTime();
            hold(stage, Flux.range(0, 10).map(i -> msg(i, acked::incrementAndGet)));
            await(() -> stage.appended() == 10, "appended");
            assertThat(acked.get()).as("acknowledged before the group commit").isZero();
            assertThat(stage.durableOffset()).isLessThan(9);
            await(() -> acked.get() == 10, "acknowledged after the group commit");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
            assertThat(stage.durableOffset()).isGreaterThanOrEqualTo(9);
        }
    }

    @Test
    void underFsyncAlwaysNoAppendIsAcknowledgedBeforeItsBatchWasForced() throws Exception {
        List<Long> durableAtAck = new CopyOnWriteArrayList<>();
        PersistentOverflow[] ref = new PersistentOverflow[1];
        try (PersistentOverflow stage = Overflow.persistent(dir).fsync(Fsync.ALWAYS).explicitAck(64).build()) {
            ref[0] = stage;
            hold(stage, Flux.range(0, 5).map(i -> msg(i, () -> durableAtAck.add(ref[0].durableOffset()))));
            await(() -> durableAtAck.size() == 5, "acknowledged");
            // group commit: one force may cover several records, never fewer than the one acknowledged
            for (int i = 0; i < 5; i++) {
                assertThat(durableAtAck.get(i)).as("durable offset when record %d was acknowledged", i)
                        .isGreaterThanOrEqualTo(i);
            }
        }
    }

    @Test
    void downstreamAcknowledgementsMoveThePositionOverContiguousRecordsOnly() throws Exception {
        List<Message> got;
        try (PersistentOverflow stage = Overflow.persistent(dir).fsync(Fsync.ALWAYS).explicitAck(64)
                .checkpointInterval(Duration.ofMillis(10)).build()) {
            got = hold(stage, Flux.range(0, 6).map(i -> msg(i, Ack.NONE)));
            await(() -> got.size() == 6, "delivered");
            assertThat(got).allMatch(Message::awaitsAck);
            got.get(1).ack();
            got.get(2).ack();
            got.get(4).ack();
            assertThat(stage.records()).as("0 not acknowledged: nothing moves").isEqualTo(6);
            got.get(0).ack();
            assertThat(stage.records()).as("0, 1, 2 now; 3 still open, 4 waits for it").isEqualTo(3);
            got.get(0).ack(); // a second call changes nothing
            assertThat(stage.records()).isEqualTo(3);
        }
        // Reopened: 3, 4, 5 come again (4 was acknowledged after an open record: redelivered, at least once).
        try (PersistentOverflow again = Overflow.persistent(dir).fsync(Fsync.ALWAYS).build()) {
            assertThat(again.backlogAtOpen()).isEqualTo(3);
            List<Message> replay = hold(again, Flux.never());
            await(() -> replay.size() == 3, "replayed");
            assertThat(replay).extracting(Message::payloadUtf8).containsExactly("m3", "m4", "m5");
        }
    }
}
