package io.sluice.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** What a slow {@link EventDispatcher#events(Class, int)} subscriber loses is counted and logged. */
@Timeout(60)
class EventViewDropsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final EventDispatcher dispatcher = new EventDispatcher();

    /** A second event type. */
    record Other(String name) {
    }

    @Test
    void overwritesOfASlowViewAreCountedPerTypeAndLoggedOnTheFirst() {
        List<PipelineStarted> events = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            events.add(new PipelineStarted("e" + i));
        }
        assertThat(dispatcher.viewDrops()).isZero();

        StepVerifier.create(dispatcher.events(PipelineStarted.class, 4), 0)
                .then(() -> events.forEach(dispatcher::dispatch))
                .then(() -> {
                    assertThat(dispatcher.viewDrops()).isEqualTo(6);
                    assertThat(dispatcher.viewDrops(PipelineStarted.class)).isEqualTo(6);
                    assertThat(dispatcher.viewDrops(Other.class)).isZero();
                    assertThat(dispatcher.viewDropWarnings()).isEqualTo(1);
                })
                .thenRequest(10)
                .expectNextSequence(events.subList(6, 10))
                .thenCancel()
                .verify(TIMEOUT);

        assertThat(dispatcher.viewDrops()).isEqualTo(6);
    }

    @Test
    void eventsStillBufferedOnCancelAreNotCountedAsDrops() {
        StepVerifier.create(dispatcher.events(PipelineStarted.class, 4), 0)
                .then(() -> {
                    dispatcher.dispatch(new PipelineStarted("a"));
                    dispatcher.dispatch(new PipelineStarted("b"));
                })
                .thenCancel()
                .verify(TIMEOUT);

        assertThat(dispatcher.viewDrops()).isZero();
        assertThat(dispatcher.viewDropWarnings()).isZero();
    }

    @Test
    void viewDropsAreNotDispatchedAsDroppedEventsSoASlowDroppedViewCannotFeedItself() {
        List<Dropped> dropped = new ArrayList<>();
        dispatcher.on(Dropped.class, dropped::add);
        StepVerifier.create(dispatcher.events(Dropped.class, 1), 0)
                .then(() -> {
                    dispatcher.dispatch(new Dropped("s", "drop-newest", 1));
                    dispatcher.dispatch(new Dropped("s", "drop-newest", 2));
                    dispatcher.dispatch(new Dropped("s", "drop-newest", 3));
                })
                .thenRequest(1)
                .expectNext(new Dropped("s", "drop-newest", 3))
                .thenCancel()
                .verify(TIMEOUT);

        assertThat(dispatcher.viewDrops(Dropped.class)).isEqualTo(2);
        assertThat(dropped).extracting(Dropped::totalDropped).containsExactly(1L, 2L, 3L);
    }

    @Test
    void warningIsRateLimitedToTheFirstDropAndEveryThousandth() {
        StepVerifier.create(dispatcher.events(PipelineStarted.class, 1), 0)
                .then(() -> {
                    // 2,001 events into a buffer of 1 with no demand: 2,000 overwrites
                    for (int i = 0; i <= 2000; i++) {
                        dispatcher.dispatch(new PipelineStarted("e" + i));
                    }
                })
                .then(() -> {
                    assertThat(dispatcher.viewDrops()).isEqualTo(2000);
                    // drops number 1, 1000 and 2000
                    assertThat(dispatcher.viewDropWarnings()).isEqualTo(3);
                })
                .thenCancel()
                .verify(TIMEOUT);

        // a second type starts its own rate limit: its first drop is logged
        StepVerifier.create(dispatcher.events(Other.class, 1), 0)
                .then(() -> {
                    dispatcher.dispatch(new Other("a"));
                    dispatcher.dispatch(new Other("b"));
                })
                .thenCancel()
                .verify(TIMEOUT);
        assertThat(dispatcher.viewDrops(Other.class)).isEqualTo(1);
        assertThat(dispatcher.viewDrops()).isEqualTo(2001);
        assertThat(dispatcher.viewDropWarnings()).isEqualTo(4);
    }

    @Test
    void everyEventIsReceivedOrCountedWithASlowSubscriberOnAnotherThread() throws InterruptedException {
        int n = 1000;
        int bufferSize = 8;
        CountDownLatch release = new CountDownLatch(1);
        List<PipelineStarted> received = new CopyOnWriteArrayList<>();
        Scheduler consumerThread = Schedulers.newSingle("slow-view");
        Disposable subscription = dispatcher.events(PipelineStarted.class, bufferSize)
                .publishOn(consumerThread, 1)
                .subscribe(e -> {
                    try {
                        // slow: holds the consumer until every event was dispatched
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                    received.add(e);
                });
        try {
            List<PipelineStarted> events = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                PipelineStarted e = new PipelineStarted("e" + i);
                events.add(e);
                dispatcher.dispatch(e);
            }
            release.countDown();
            // wait (bounded) until the view has handed over everything it kept
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (received.size() + dispatcher.viewDrops() < n && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }

            // nothing is lost silently: what the subscriber did not get, the counter reports
            assertThat(received.size() + dispatcher.viewDrops()).isEqualTo(n);
            // at most the buffer, the one event publishOn prefetched and the one being handled survive
            assertThat(received.size()).isBetween(1, bufferSize + 2);
            assertThat(dispatcher.viewDrops()).isGreaterThanOrEqualTo(n - bufferSize - 2L);
            assertThat(dispatcher.viewDropWarnings()).isEqualTo(1);
            // the survivors are in dispatch order and end with the newest events
            assertThat(events).containsSubsequence(received);
            assertThat(received.get(received.size() - 1)).isSameAs(events.get(n - 1));
        } finally {
            subscription.dispose();
            consumerThread.dispose();
        }
    }
}
