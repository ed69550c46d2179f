package io.sluice.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.StepVerifier;

@Timeout(60)
class EventDispatcherTest {

    private final EventDispatcher dispatcher = new EventDispatcher();

    @Test
    void callsCallbacksInRegistrationOrderAcrossSupertypesWithTheSameInstance() {
        List<String> calls = new ArrayList<>();
        List<Object> seen = new ArrayList<>();
        dispatcher.on(SluiceEvent.class, e -> { calls.add("sluiceEvent"); seen.add(e); });
        dispatcher.on(PipelineStarted.class, e -> { calls.add("started1"); seen.add(e); });
        dispatcher.on(Dropped.class, e -> calls.add("dropped"));
        dispatcher.on(Object.class, e -> { calls.add("object"); seen.add(e); });
        dispatcher.on(PipelineStarted.class, e -> { calls.add("started2"); seen.add(e); });
        dispatcher.on(Record.class, e -> { calls.add("record"); seen.add(e); });
        dispatcher.on(SluiceEvent.class, e -> { calls.add("sluiceEvent2"); seen.add(e); });

        PipelineStarted event = new PipelineStarted("p");
        dispatcher.dispatch(event);

        assertThat(calls).containsExactly("sluiceEvent", "started1", "object", "started2", "record", "sluiceEvent2");
        assertThat(seen).hasSize(6).allSatisfy(e -> assertThat(e).isSameAs(event));
        assertThat(dispatcher.callbackCount(PipelineStarted.class)).isEqualTo(6);
        assertThat(dispatcher.callbackCount(Dropped.class)).isEqualTo(5);
        assertThat(dispatcher.callbackCount(String.class)).isEqualTo(1);

        calls.clear();
        dispatcher.dispatch(new Dropped("s", "drop-newest", 1));
        assertThat(calls).containsExactly("sluiceEvent", "dropped", "object", "record", "sluiceEvent2");
    }

    @Test
    void throwingCallbackDoesNotStopOthersAndPublishesCallbackFailed() {
        List<String> calls = new ArrayList<>();
        List<CallbackFailed> failures = new ArrayList<>();
        RuntimeException boom = new IllegalStateException("boom");
        dispatcher.on(CallbackFailed.class, failures::add);
        dispatcher.on(PipelineStarted.class, e -> calls.add("first"));
        Consumer<PipelineStarted> thrower = new Consumer<>() {
            @Override
            public void accept(PipelineStarted e) {
                calls.add("thrower");
                throw boom;
            }

            @Override
            public String toString() {
                return "the-thrower";
            }
        };
        dispatcher.on(PipelineStarted.class, thrower);
        dispatcher.on(PipelineStarted.class, e -> calls.add("last"));

        PipelineStarted event = new PipelineStarted("p");
        dispatcher.dispatch(event);

        assertThat(calls).containsExactly("first", "thrower", "last");
        assertThat(failures).hasSize(1);
        CallbackFailed failed = failures.get(0);
        assertThat(failed.event()).isSameAs(event);
        assertThat(failed.error()).isSameAs(boom);
        assertThat(failed.callback()).isEqualTo("the-thrower");
    }

    @Test
    void callbackWhoseToStringAlsoThrowsDoesNotStopOthers() {
        List<String> calls = new ArrayList<>();
        List<CallbackFailed> failures = new ArrayList<>();
        dispatcher.on(CallbackFailed.class, failures::add);
        dispatcher.on(PipelineStarted.class, new Consumer<PipelineStarted>() {
            @Override
            public void accept(PipelineStarted e) {
                throw new IllegalStateException("boom");
            }

            @Override
            public String toString() {
                throw new UnsupportedOperationException("no toString either");
            }
        });
        dispatcher.on(PipelineStarted.class, e -> calls.add("after"));

        dispatcher.dispatch(new PipelineStarted("p"));

        assertThat(calls).containsExactly("after");
        assertThat(failures).hasSize(1);
        assertThat(failures.get(0).error()).hasMessage("boom");
        assertThat(failures.get(0).callback()).isNotBlank();
    }

    @Test
    void throwingCallbackFailedHandlerDoesNotLoop() {
        AtomicInteger failedHandlerCalls = new AtomicInteger();
        AtomicInteger afterCalls = new AtomicInteger();
        dispatcher.on(CallbackFailed.class, e -> {
            failedHandlerCalls.incrementAndGet();
            throw new IllegalStateException("handler fails too");
        });
        dispatcher.on(CallbackFailed.class, e -> afterCalls.incrementAndGet());
        dispatcher.on(PipelineStarted.class, e -> {
            throw new IllegalStateException("boom");
        });

        dispatcher.dispatch(new PipelineStarted("p"));

        assertThat(failedHandlerCalls).hasValue(1);
        assertThat(afterCalls).hasValue(1);
    }

    @Test
    void removalWorksAndIsIdempotent() {
        AtomicInteger calls = new AtomicInteger();
        Consumer<PipelineStarted> same = e -> calls.incrementAndGet();
        Registration first = dispatcher.on(PipelineStarted.class, same);
        Registration second = dispatcher.on(PipelineStarted.class, same);
        assertThat(dispatcher.callbackCount(PipelineStarted.class)).isEqualTo(2);

        dispatcher.dispatch(new PipelineStarted("p"));
        assertThat(calls).hasValue(2);

        first.remove();
        first.remove(); // idempotent: must not remove the other registration of the same callback
        first.close();
        assertThat(dispatcher.callbackCount(PipelineStarted.class)).isEqualTo(1);
        dispatcher.dispatch(new PipelineStarted("p"));
        assertThat(calls).hasValue(3);

        try (Registration r = second) {
            assertThat(r).isSameAs(second);
        }
        assertThat(dispatcher.callbackCount(PipelineStarted.class)).isZero();
        dispatcher.dispatch(new PipelineStarted("p"));
        assertThat(calls).hasValue(3);
    }

    @Test
    void registrationDuringDispatchTakesEffectFromTheNextDispatch() {
        List<String> calls = new ArrayList<>();
        AtomicReference<Registration> late = new AtomicReference<>();
        dispatcher.on(PipelineStarted.class, e -> {
            calls.add("registrar:" + e.pipeline());
            if (late.get() == null) {
                late.set(dispatcher.on(PipelineStarted.class, e2 -> calls.add("late:" + e2.pipeline())));
            }
        });
        dispatcher.on(PipelineStarted.class, e -> calls.add("existing:" + e.pipeline()));

        dispatcher.dispatch(new PipelineStarted("1"));
        assertThat(calls).containsExactly("registrar:1", "existing:1");

        calls.clear();
        dispatcher.dispatch(new PipelineStarted("2"));
        assertThat(calls).containsExactly("registrar:2", "existing:2", "late:2");
    }

    @Test
    void removalDuringDispatchIsSeenByTheNextDispatch() {
        AtomicInteger victimCalls = new AtomicInteger();
        AtomicReference<Registration> victim = new AtomicReference<>();
        dispatcher.on(PipelineStarted.class, e -> victim.get().remove());
        victim.set(dispatcher.on(PipelineStarted.class, e -> victimCalls.incrementAndGet()));

        dispatcher.dispatch(new PipelineStarted("1"));
        int afterFirst = victimCalls.get();
        assertThat(afterFirst).isBetween(0, 1); // documented: an in-progress dispatch may still call it
        dispatcher.dispatch(new PipelineStarted("2"));
        assertThat(victimCalls).hasValue(afterFirst);
        assertThat(dispatcher.callbackCount(PipelineStarted.class)).isEqualTo(1);
    }

    @Test
    void concurrentRegisterDispatchRemoveLosesAndDuplicatesNothing() throws Exception {
        int stable = 20;
        int dispatches = 2_000;
        int churnIterations = 2_000;
        AtomicIntegerArray stableCalls = new AtomicIntegerArray(stable);
        for (int i = 0; i < stable; i++) {
            int index = i;
            dispatcher.on(PipelineStarted.class, e -> stableCalls.incrementAndGet(index));
        }
        List<String> violations = new CopyOnWriteArrayList<>();
        AtomicInteger churnCallsAfterRemoval = new AtomicInteger();

        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < dispatches; i++) {
                        dispatcher.dispatch(new PipelineStarted("dispatcher"));
                    }
                    return null;
                }));
            }
            for (int t = 0; t < 2; t++) {
                String me = "churn-" + t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < churnIterations; i++) {
                        AtomicInteger own = new AtomicInteger();
                        AtomicInteger removedFlag = new AtomicInteger();
                        Registration r = dispatcher.on(Dropped.class, e -> {
                            if (e.stage().equals(me)) {
                                own.incrementAndGet();
                            }
                            if (removedFlag.get() == 1 && e.stage().equals(me)) {
                                churnCallsAfterRemoval.incrementAndGet();
                            }
                        });
                        dispatcher.dispatch(new Dropped(me, "test", i));
                        if (own.get() != 1) {
                            violations.add(me + " iteration " + i + ": called " + own.get() + " times");
                        }
                        r.remove();
                        removedFlag.set(1);
                        dispatcher.dispatch(new Dropped(me, "test", i));
                        if (own.get() != 1) {
                            violations.add(me + " iteration " + i + ": called after removal");
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(45, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(violations).isEmpty();
        assertThat(churnCallsAfterRemoval).hasValue(0);
        for (int i = 0; i < stable; i++) {
            assertThat(stableCalls.get(i)).as("stable callback %d", i).isEqualTo(2 * dispatches);
        }
        assertThat(dispatcher.callbackCount(PipelineStarted.class)).isEqualTo(stable);
        assertThat(dispatcher.callbackCount(Dropped.class)).isZero();
    }

    @Test
    void concurrentRegistrationsFromSeveralThreadsAreAllKept() throws Exception {
        int perThread = 500;
        AtomicInteger calls = new AtomicInteger();
        List<Registration> registrations = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        registrations.add(dispatcher.on(PipelineStarted.class, e -> calls.incrementAndGet()));
                        dispatcher.dispatch(new Dropped("noise", "test", i));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(45, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(dispatcher.callbackCount(PipelineStarted.class)).isEqualTo(4 * perThread);
        dispatcher.dispatch(new PipelineStarted("p"));
        assertThat(calls).hasValue(4 * perThread);

        List<Registration> half = registrations.subList(0, registrations.size() / 2);
        half.parallelStream().forEach(Registration::remove);
        assertThat(dispatcher.callbackCount(PipelineStarted.class)).isEqualTo(2 * perThread);
        dispatcher.dispatch(new PipelineStarted("p"));
        assertThat(calls).hasValue(6 * perThread);
    }

    @Test
    void eventsFluxReceivesMatchingEventsAndCancelRemovesTheRegistration() {
        PipelineStarted a = new PipelineStarted("a");
        PipelineStarted b = new PipelineStarted("b");
        assertThat(dispatcher.callbackCount(PipelineStarted.class)).isZero();
        StepVerifier.create(dispatcher.events(PipelineStarted.class))
                .then(() -> {
                    assertThat(dispatcher.callbackCount(PipelineStarted.class)).isEqualTo(1);
                    dispatcher.dispatch(a);
                    dispatcher.dispatch(new Dropped("s", "fail", 1));
                    dispatcher.dispatch(b);
                })
                .expectNextMatches(e -> e == a)
                .expectNextMatches(e -> e == b)
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(dispatcher.callbackCount(PipelineStarted.class)).isZero();
        assertThat(dispatcher.callbackCount(Dropped.class)).isZero();
    }

    @Test
    void eventsFluxRemovesTheRegistrationOnImmediateCancelAndOnCompletionByTake() {
        StepVerifier.create(dispatcher.events(PipelineStarted.class))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(dispatcher.callbackCount(PipelineStarted.class)).isZero();

        PipelineStarted a = new PipelineStarted("a");
        PipelineStarted b = new PipelineStarted("b");
        StepVerifier.create(dispatcher.events(PipelineStarted.class).take(2))
                .then(() -> {
                    dispatcher.dispatch(a);
                    dispatcher.dispatch(b);
                })
                .expectNext(a, b)
                .verifyComplete();
        assertThat(dispatcher.callbackCount(PipelineStarted.class)).isZero();
        dispatcher.dispatch(new PipelineStarted("after")); // nobody listening: must not fail
    }

    @Test
    void eventsFluxOfASupertypeReceivesSubtypes() {
        PipelineStarted a = new PipelineStarted("a");
        Dropped d = new Dropped("s", "fail", 1);
        StepVerifier.create(dispatcher.events(SluiceEvent.class))
                .then(() -> {
                    dispatcher.dispatch(a);
                    dispatcher.dispatch("not an event");
                    dispatcher.dispatch(d);
                })
                .expectNext(a, d)
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(dispatcher.callbackCount(SluiceEvent.class)).isZero();
    }

    @Test
    void slowSubscriberSeesTheNewestEvents() {
        int bufferSize = 4;
        int extra = 6;
        List<PipelineStarted> events = new ArrayList<>();
        for (int i = 0; i < bufferSize + extra; i++) {
            events.add(new PipelineStarted("e" + i));
        }
        PipelineStarted later = new PipelineStarted("later");
        StepVerifier.create(dispatcher.events(PipelineStarted.class, bufferSize), 0)
                .then(() -> events.forEach(dispatcher::dispatch)) // never blocks on the subscriber
                .expectNoEvent(Duration.ofMillis(50))
                .thenRequest(bufferSize + extra)
                .expectNextSequence(events.subList(extra, bufferSize + extra))
                .then(() -> dispatcher.dispatch(later))
                .expectNext(later)
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(dispatcher.callbackCount(PipelineStarted.class)).isZero();
    }

    @Test
    void eventsRejectsBadBufferSize() {
        assertThatThrownBy(() -> dispatcher.events(PipelineStarted.class, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> dispatcher.on(null, e -> { })).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> dispatcher.dispatch(null)).isInstanceOf(NullPointerException.class);
    }
}
