package io.sluice.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.test.StepVerifier;

/** The HTTP source's asynchronous semaphore never loses a permit to a request that went away. */
class PermitsTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    /** A request cancelled while it subscribes (another thread closed its connection). */
    private static void acquireCancelledAtSubscribe(Permits permits) {
        permits.acquire(WAIT).subscribe(new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                s.cancel();
            }
        });
    }

    @Test
    void aRequestCancelledWhileSubscribingTakesNoFreePermit() {
        Permits permits = new Permits(1);
        acquireCancelledAtSubscribe(permits);
        assertThat(permits.available()).isEqualTo(1);
        assertThat(permits.waiting()).isZero();
    }

    @Test
    void aRequestCancelledWhileSubscribingIsNotQueuedAndAReleaseGoesToTheNextWaiter() {
        Permits permits = new Permits(1);
        Permits.Permit held = permits.acquire(WAIT).block(WAIT);
        assertThat(held.granted()).isTrue();
        acquireCancelledAtSubscribe(permits);
        assertThat(permits.waiting()).isZero();
        StepVerifier.create(permits.acquire(WAIT))
                .then(held::release)
                .assertNext(p -> assertThat(p.granted()).isTrue())
                .verifyComplete();
        assertThat(permits.available()).isZero();
    }

    @Test
    void tryAcquireTakesOnlyAFreePermitAndItsReleaseGoesToAWaiterFirst() {
        Permits permits = new Permits(1);
        Permits.Permit held = permits.tryAcquire();
        assertThat(held).isNotNull();
        assertThat(held.granted()).isTrue();
        assertThat(permits.available()).isZero();
        assertThat(permits.tryAcquire()).as("none free").isNull();
        StepVerifier.create(permits.acquire(WAIT))
                .then(() -> assertThat(permits.waiting()).isEqualTo(1))
                .then(held::release)
                .assertNext(p -> assertThat(p.granted()).isTrue())
                .verifyComplete();
        assertThat(permits.tryAcquire()).as("the release went to the waiter").isNull();
        held.release(); // idempotent: gives nothing back twice
        assertThat(permits.available()).isZero();
    }

    @Test
    void tryAcquireTakesNothingOnceClosed() {
        Permits permits = new Permits(2);
        permits.close();
        assertThat(permits.tryAcquire()).isNull();
        assertThat(permits.available()).isEqualTo(2);
    }

    @Test
    void closingRefusesWaitingAndFutureRequests() {
        Permits permits = new Permits(1);
        Permits.Permit held = permits.acquire(WAIT).block(WAIT);
        StepVerifier.create(permits.acquire(WAIT))
                .then(permits::close)
                .assertNext(p -> assertThat(p.granted()).isFalse())
                .verifyComplete();
        assertThat(permits.acquire(WAIT).block(WAIT).granted()).isFalse();
        held.release();
        assertThat(permits.available()).isEqualTo(1);
    }
}
