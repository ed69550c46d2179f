package io.sluice.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class EventDispatcherTest {

    interface Animal {
    }

    record Dog(String name) implements Animal {
    }

    record Cat(String name) implements Animal {
    }

    @Test
    void callsCallbacksInRegistrationOrderAcrossSupertypes() {
        EventDispatcher d = new EventDispatcher();
        List<String> calls = new ArrayList<>();
        List<Object> instances = new ArrayList<>();
        d.on(Dog.class, e -> {
            calls.add("dog-1");
            instances.add(e);
        });
        d.on(Animal.class, e -> {
            calls.add("animal-2");
            instances.add(e);
        });
        d.on(Cat.class, e -> calls.add("cat-3"));
        d.on(Object.class, e -> {
            calls.add("object-4");
            instances.add(e);
        });
        d.on(Dog.class, e -> calls.add("dog-5"));

        Dog rex = new Dog("rex");
        d.dispatch(rex);
        assertThat(calls).containsExactly("dog-1", "animal-2", "object-4", "dog-5");
        assertThat(instances).allSatisfy(i -> assertThat(i).isSameAs(rex));

        calls.clear();
        d.dispatch(new Cat("tom"));
        assertThat(calls).containsExactly("animal-2", "cat-3", "object-4");
        assertThat(d.callbackCount(Dog.class)).isEqualTo(4);
    }

    @Test
    void aThrowingCallbackDoesNotStopTheOthersAndIsReported() {
        EventDispatcher d = new EventDispatcher();
        List<String> calls = new ArrayList<>();
        List<CallbackFailed> failures = new ArrayList<>();
        d.on(CallbackFailed.class, failures::add);
        d.on(Dog.class, e -> calls.add("first"));
        d.on(Dog.class, e -> {
            throw new IllegalStateException("boom");
        });
        d.on(Dog.class, e -> calls.add("third"));
        Dog rex = new Dog("rex");

        d.dispatch(rex);

        assertThat(calls).containsExactly("first", "third");
        assertThat(failures).singleElement().satisfies(f -> {
            assertThat(f.event()).isSameAs(rex);
            assertThat(f.error()).hasMessage("boom");
        });
    }

    @Test
    void aThrowingFailureHandlerDoesNotLoop() {
        EventDispatcher d = new EventDispatcher();
        AtomicInteger failureCalls = new AtomicInteger();
        d.on(CallbackFailed.class, f -> {
            failureCalls.incrementAndGet();
            throw new IllegalStateException("handler broken too");
        });
        d.on(Dog.class, e -> {
            throw new IllegalStateException("boom");
        });
        d.dispatch(new Dog("rex"));
        assertThat(failureCalls).hasValue(1);
    }

    @Test
    void removalIsIdempotentAndRegistrationDuringDispatchCountsFromTheNext() {
        EventDispatcher d = new EventDispatcher();
        AtomicInteger a = new AtomicInteger();
        AtomicInteger late = new AtomicInteger();
        Registration ra = d.on(Dog.class, e -> a.incrementAndGet());
        d.on(Dog.class, e -> {
            if (late.get() == 0) {
                d.on(Dog.class, x -> late.incrementAndGet());
            }
        });
        d.dispatch(new Dog("1"));
        assertThat(late).hasValue(0);
        d.dispatch(new Dog("2"));
        assertThat(late).hasValue(1);

        ra.remove();
        ra.remove();
        d.dispatch(new Dog("3"));
        assertThat(a).hasValue(2);
        try (Registration r = d.on(Cat.class, e -> a.addAndGet(100))) {
            d.dispatch(new Cat("c"));
        }
        d.dispatch(new Cat("c"));
        assertThat(a).hasValue(102);
    }

    @Test
    void concurrentRegisterDispatchAndRemoveLoseAndDuplicateNothing() throws Exception {
        EventDispatcher d = new EventDispatcher();
        int stable = 20;
        AtomicLong[] counts = new AtomicLong[stable];
        for (int i = 0; i < stable; i++) {
            AtomicLong c = new AtomicLong();
            counts[i] = c;
            d.on(Dog.class, e -> c.incrementAndGet());
        }
        int dispatchers = 3;
        int perDispatcher = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(dispatchers + 1);
        CyclicBarrier start = new CyclicBarrier(dispatchers + 1);
        CountDownLatch dispatchDone = new CountDownLatch(dispatchers);
        AtomicLong churnCalls = new AtomicLong();
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < dispatchers; t++) {
            fs.add(pool.submit(() -> {
                start.await();
                Dog dog = new Dog("x");
                for (int i = 0; i < perDispatcher; i++) {
                    d.dispatch(dog);
                }
                dispatchDone.countDown();
                return null;
            }));
        }
        fs.add(pool.submit(() -> {
            start.await();
            int churned = 0;
            while (dispatchDone.getCount() > 0 && churned < 1_000_000) {
                Registration r = d.on(Dog.class, e -> churnCalls.incrementAndGet());
                r.remove();
                churned++;
            }
            return null;
        }));
        for (Future<?> f : fs) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        for (AtomicLong c : counts) {
            assertThat(c.get()).isEqualTo((long) dispatchers * perDispatcher);
        }
        assertThat(d.callbackCount(Dog.class)).isEqualTo(stable);
        long before = churnCalls.get();
        d.dispatch(new Dog("after"));
        assertThat(churnCalls.get()).isEqualTo(before);
    }

    @Test
    void eventsFluxDeliversAndUnregistersOnCancel() {
        EventDispatcher d = new EventDispatcher();
        StepVerifier.create(d.events(Dog.class))
                .then(() -> assertThat(d.callbackCount(Dog.class)).isEqualTo(1))
                .then(() -> d.dispatch(new Dog("a")))
                .then(() -> d.dispatch(new Cat("ignored")))
                .then(() -> d.dispatch(new Dog("b")))
                .expectNext(new Dog("a"), new Dog("b"))
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(d.callbackCount(Dog.class)).isZero();
    }

    @Test
    void slowEventsSubscriberSeesTheNewestEvents() {
        EventDispatcher d = new EventDispatcher();
        List<Dog> got = new CopyOnWriteArrayList<>();
        StepVerifier.create(d.events(Dog.class, 3), 0)
                .then(() -> {
                    for (int i = 0; i < 10; i++) {
                        d.dispatch(new Dog("d" + i));
                    }
                })
                .thenRequest(10)
                .recordWith(() -> got)
                .expectNext(new Dog("d7"), new Dog("d8"), new Dog("d9"))
                .thenCancel()
                .verify(Duration.ofSeconds(5));
    }
}
