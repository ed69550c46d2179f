package io.sluice.overflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/**
 * What each policy asks of its upstream: the lossy ones (drop-newest, overwrite-oldest, fail)
 * request {@code Long.MAX_VALUE} once and never again, whatever downstream requests; block requests
 * in batches of at most {@code capacity} and never has more than {@code capacity} elements
 * outstanding.
 */
class OverflowUpstreamDemandTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void lossyPoliciesRequestUnboundedOnceWhateverDownstreamRequests() {
        for (OverflowPolicy.Kind kind : new OverflowPolicy.Kind[] {OverflowPolicy.Kind.DROP_NEWEST,
                OverflowPolicy.Kind.OVERWRITE_OLDEST, OverflowPolicy.Kind.FAIL}) {
            List<Long> upstreamRequests = new CopyOnWriteArrayList<>();
            OverflowPolicy<Integer> policy = OverflowSemanticsTest.policyOf(kind, 16);
            Flux<Integer> flux = Flux.range(1, 10).doOnRequest(upstreamRequests::add).transform(policy);

            StepVerifier.create(flux, 0)
                    .expectSubscription()
                    .then(() -> assertThat(upstreamRequests).as(kind.name()).containsExactly(Long.MAX_VALUE))
                    .thenRequest(1)
                    .expectNext(1)
                    .thenRequest(3)
                    .expectNext(2, 3, 4)
                    .thenRequest(100)
                    .expectNext(5, 6, 7, 8, 9, 10)
                    .expectComplete()
                    .verify(TIMEOUT);

            assertThat(upstreamRequests).as(kind.name()).containsExactly(Long.MAX_VALUE);
        }
    }

    @Test
    void lossyPoliciesRequestUnboundedWithATestPublisherUpstream() {
        for (OverflowPolicy.Kind kind : new OverflowPolicy.Kind[] {OverflowPolicy.Kind.DROP_NEWEST,
                OverflowPolicy.Kind.OVERWRITE_OLDEST, OverflowPolicy.Kind.FAIL}) {
            // A compliant TestPublisher errors on next() without demand: emitting 5 elements to a
            // capacity-2 stage whose subscriber requested nothing only works if the stage asked for more.
            TestPublisher<Integer> up = TestPublisher.create();
            OverflowPolicy<Integer> policy = OverflowSemanticsTest.policyOf(kind, 2);
            StepVerifier.create(up.flux().transform(policy), 0)
                    .expectSubscription()
                    .then(() -> up.assertMinRequested(Long.MAX_VALUE))
                    .then(() -> up.next(1, 2, 3))
                    .thenCancel()
                    .verify(TIMEOUT);
            assertThat(policy.dropped()).as(kind.name()).isEqualTo(1);
        }
    }

    @Test
    void blockRequestsInBatchesOfAtMostCapacityAndNeverOverRequests() {
        for (int capacity : new int[] {1, 2, 3, 5, 8, 13}) {
            for (boolean unboundedDownstream : new boolean[] {true, false}) {
                String label = "capacity " + capacity + (unboundedDownstream ? ", unbounded downstream" : ", request(1)");
                int n = 200;
                List<Long> upstreamRequests = new CopyOnWriteArrayList<>();
                AtomicLong outstanding = new AtomicLong();
                List<Long> outstandingAfterRequest = new CopyOnWriteArrayList<>();
                OverflowPolicy<Integer> policy = Overflow.block(capacity);
                Flux<Integer> flux = Flux.range(0, n)
                        .doOnNext(v -> outstanding.decrementAndGet())
                        .doOnRequest(r -> {
                            upstreamRequests.add(r);
                            outstandingAfterRequest.add(outstanding.addAndGet(r));
                        })
                        .transform(policy);

                List<Integer> received;
                if (unboundedDownstream) {
                    received = new ArrayList<>();
                    StepVerifier.create(flux)
                            .recordWith(() -> received)
                            .expectNextCount(n)
                            .expectComplete()
                            .verify(TIMEOUT);
                } else {
                    // one element at a time; Flux.range is synchronous, so each request(1) delivers one
                    OverflowSemanticsTest.BoundedRequester<Integer> sub = new OverflowSemanticsTest.BoundedRequester<>();
                    flux.subscribe(sub);
                    for (int i = 0; i < n; i++) {
                        sub.request(1);
                        assertThat(sub.received).as(label).hasSize(i + 1);
                    }
                    assertThat(sub.completed).as(label).isTrue();
                    received = sub.received;
                }
                assertThat(received).as(label).containsExactlyElementsOf(
                        java.util.stream.IntStream.range(0, n).boxed().toList());
                assertThat(received).as(label).hasSize(n);
                assertThat(upstreamRequests).as(label).isNotEmpty()
                        .allSatisfy(r -> assertThat(r).isBetween(1L, (long) capacity));
                assertThat(upstreamRequests.get(0)).as(label).isEqualTo(capacity);
                assertThat(outstandingAfterRequest).as(label)
                        .allSatisfy(o -> assertThat(o).isLessThanOrEqualTo(capacity));
                // it keeps asking: the batches add up to at least the n elements delivered
                assertThat(upstreamRequests.stream().mapToLong(Long::longValue).sum()).as(label)
                        .isGreaterThanOrEqualTo(n);
                assertThat(policy.dropped()).as(label).isZero();
            }
        }
    }
}
