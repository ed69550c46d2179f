package io.sluice.persist;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.overflow.Overflow;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** The durable stage through Reactor: demand, order, restarts, acknowledgement modes, a full log. */
class PersistentOverflowTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private static Flux<Message> messages(int n, int size) {
        return Flux.range(0, n).map(i -> Message.builder().payload(String.format("%06d", i).concat("x".repeat(size)).getBytes())
                .sequence(i).build());
    }

    private static int id(Message m) {
        return Integer.parseInt(m.payloadUtf8().substring(0, 6));
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    private PersistentBuilder small() {
        return Overflow.persistent(dir).fsync(Fsync.NEVER).segmentBytes(4096).blockSize(512).maxBytes(1 << 20);
    }

    @Test
    void deliversInOrderHonouringRequestExactly() throws IOException {
        try (PersistentOverflow stage = small().build()) {
            List<Message> ids = new java.util.concurrent.CopyOnWriteArrayList<>();
            StepVerifier.create(messages(100, 20).transform(stage).doOnNext(ids::add), 0)
                    .then(() -> await(() -> stage.appended() == 100, "every message appended"))
                    .then(() -> assertThat(stage.delivered()).as("nothing without demand").isZero())
                    .thenRequest(3)
                    .expectNextCount(3)
                    .then(() -> assertThat(stage.delivered()).as("exactly the demand").isEqualTo(3))
                    .then(() -> assertThat(stage.records()).isEqualTo(97))
                    .then(() -> assertThat(stage.oldestUnackedAgeMillis()).isGreaterThanOrEqualTo(0))
                    .thenRequest(97)
                    .expectNextCount(97)
                    .expectComplete()
                    .verify(WAIT);
            assertThat(ids.stream().map(PersistentOverflowTest::id).toList())
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 100).boxed().toList());
            assertThat(stage.records()).isZero();
        }
    }

    @Test
    void closeAndReopenDeliversExactlyWhatWasNotAcknowledged() throws IOException {
        try (PersistentOverflow a = small().explicitAck(1000).build()) {
            StepVerifier.create(messages(100, 20).transform(a), 0)
                    .thenRequest(100)
                    .expectNextCount(100)
                    .then(() -> assertThat(a.acknowledge(40)).isEqualTo(40))
                    .thenCancel()
                    .verify(WAIT);
        }
        try (PersistentOverflow b = small().build()) {
            List<Message> got = new ArrayList<>();
            StepVerifier.create(Flux.<Message>never().transform(b))
                    .recordWith(() -> got)
                    .expectNextCount(60)
                    .thenCancel()
                    .verify(WAIT);
            assertThat(got.stream().map(PersistentOverflowTest::id).toList())
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(40, 100).boxed().toList());
            assertThat(got.get(0).sequence()).isEqualTo(40);
            assertThat(b.redelivered()).isEqualTo(60);
        }
    }

    @Test
    void cancelledConsumerLeavesTheRestOnDiskForTheNextRun() throws IOException {
        try (PersistentOverflow a = small().build()) {
            StepVerifier.create(messages(100, 20).transform(a), 0)
                    .then(() -> await(() -> a.appended() == 100, "every message appended"))
                    .thenRequest(30)
                    .expectNextCount(30)
                    .thenCancel()
                    .verify(WAIT);
        }
        try (PersistentOverflow b = small().build()) {
            StepVerifier.create(Flux.<Message>empty().transform(b)).expectNextCount(70).verifyComplete();
        }
    }

    @Test
    void explicitAckWindowBoundsDelivery() throws IOException {
        try (PersistentOverflow stage = small().explicitAck(5).build()) {
            StepVerifier.create(messages(12, 10).transform(stage))
                    .expectNextCount(5)
                    .then(() -> await(() -> stage.appended() == 12, "appended"))
                    .then(() -> assertThat(stage.delivered()).as("window of 5").isEqualTo(5))
                    .then(() -> stage.acknowledge(5))
                    .expectNextCount(5)
                    .then(() -> stage.acknowledge(3))
                    .expectNextCount(2)
                    .then(() -> stage.acknowledge(4))
                    .verifyComplete();
        }
    }

    @Test
    void dropNewestWhenFullCountsEveryDropAndKeepsTheOldest() throws IOException {
        try (PersistentOverflow stage = small().maxBytes(8192).whenFull(WhenFull.DROP_NEWEST).build()) {
            List<Message> got = new ArrayList<>();
            StepVerifier.create(messages(200, 100).transform(stage), 0)
                    .then(() -> await(() -> stage.appended() + stage.droppedFull() == 200, "every message appended or dropped"))
                    .then(() -> assertThat(stage.droppedFull()).isPositive())
                    .then(() -> assertThat(stage.bytes()).isLessThanOrEqualTo(8192))
                    .thenRequest(Long.MAX_VALUE)
                    .recordWith(() -> got)
                    .thenConsumeWhile(m -> true)
                    .verifyComplete();
            assertThat((long) got.size()).isEqualTo(stage.appended());
            assertThat(got.stream().map(PersistentOverflowTest::id).toList())
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, got.size()).boxed().toList());
        }
    }

    @Test
    void dropNewestRefusesEachDroppedMessageToItsSenderAndAcknowledgesTheRest() throws IOException {
        java.util.Set<Integer> acked = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.Map<Integer, String> refused = new java.util.concurrent.ConcurrentHashMap<>();
        Flux<Message> awaiting = messages(200, 100).map(m -> {
            int id = id(m);
            return m.withAck(io.sluice.Ack.of(() -> acked.add(id), reason -> refused.put(id, reason)));
        });
        try (PersistentOverflow stage = small().maxBytes(8192).whenFull(WhenFull.DROP_NEWEST).build()) {
            StepVerifier.create(awaiting.transform(stage), 0)
                    .then(() -> await(() -> acked.size() + refused.size() == 200, "every sender answered"))
                    .thenCancel()
                    .verify();
            assertThat((long) refused.size()).isEqualTo(stage.droppedFull()).isPositive();
            assertThat((long) acked.size()).isEqualTo(stage.appended());
            assertThat(refused.values()).allMatch(r -> r.contains("full"));
            assertThat(acked).doesNotContainAnyElementsOf(refused.keySet());
        }
    }

    @Test
    void blockWhenFullBackpressuresUpstreamAndLosesNothing() throws IOException {
        AtomicInteger emitted = new AtomicInteger();
        AtomicLong maxBytes = new AtomicLong();
        try (PersistentOverflow stage = small().maxBytes(8192).prefetch(16).build()) {
            List<Message> got = new ArrayList<>();
            Flux<Message> up = messages(200, 100).doOnNext(m -> {
                emitted.incrementAndGet();
                maxBytes.accumulateAndGet(stage.bytes(), Math::max);
            });
            StepVerifier.create(up.transform(stage), 0)
                    .then(() -> await(() -> stage.appended() > 0, "appends"))
                    .then(() -> assertThat(stage.appended()).as("the full log stops appends").isLessThan(200))
                    .then(() -> assertThat(emitted.get()).as("upstream backpressured")
                            .isLessThanOrEqualTo((int) stage.appended() + 16))
                    .thenRequest(Long.MAX_VALUE)
                    .recordWith(() -> got)
                    .thenConsumeWhile(m -> true)
                    .verifyComplete();
            assertThat(stage.droppedFull()).isZero();
            assertThat(got.stream().map(PersistentOverflowTest::id).toList())
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 200).boxed().toList());
            assertThat(maxBytes.get()).isLessThanOrEqualTo(8192);
        }
    }

    @Test
    void oneSubscriberAtATime() throws IOException {
        try (PersistentOverflow stage = small().build()) {
            Flux<Message> f = Flux.<Message>never().transform(stage);
            StepVerifier.create(f).expectSubscription().then(() ->
                    StepVerifier.create(Flux.<Message>never().transform(stage)).expectError(IllegalStateException.class).verify(WAIT))
                    .thenCancel().verify(WAIT);
        }
    }
}
