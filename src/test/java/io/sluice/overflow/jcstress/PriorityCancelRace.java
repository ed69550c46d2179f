package io.sluice.overflow.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.sluice.overflow.Overflow;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * Cancel racing {@code onNext} on priority stages: the producer emits 1..4 while the consumer
 * requests one element and cancels. Every element is delivered, or handed to the drop hook and to
 * Reactor's discard hook exactly once each (evicted, merged, or discarded on cancel), never both; the
 * counters ({@code dropped + discardedOnCancel + merged}) equal the hook calls. {@code r1}: unkeyed,
 * capacity 3, priority = value (4 evicts 1 if all are buffered), so the delivered element is the
 * highest buffered at the request: any of 1..4, or none if the cancel came first. {@code r2}: keyed by
 * {@code value % 2}, priority = value, merge = add: 3 merges into 1 and 4 into 2 while those are
 * buffered, so only 1 or 2 can be the delivered one (or none).
 */
@JCStressTest
@Outcome(id = {"(D=1 X=234 R=234|D=2 X=134 R=134|D=3 X=124 R=124|D=4 X=123 R=123|D= X=1234 R=1234), "
        + "(D=1 X=234 R=234|D=2 X=134 R=134|D= X=1234 R=1234)"}, expect = ACCEPTABLE,
        desc = "one element (or none) delivered, every other one dropped, merged or discarded exactly once")
@Outcome(expect = FORBIDDEN, desc = "an element delivered and discarded, discarded twice, lost, or miscounted")
@State
public class PriorityCancelRace {

    private final RaceHarness unkeyed = new RaceHarness(p -> p, Overflow.<Integer>priority(3, v -> v));
    private final RaceHarness keyed = new RaceHarness(p -> p, Overflow.<Integer>priorityByKey(3, v -> v % 2, v -> v));

    /** Upstream of both stages. */
    @Actor
    public void producer() {
        for (int i = 1; i <= 4; i++) {
            unkeyed.produce(i);
            keyed.produce(i);
        }
    }

    /** Downstream of both stages: asks for one, then cancels. */
    @Actor
    public void consumer() {
        unkeyed.request(1);
        keyed.request(1);
        unkeyed.cancel();
        keyed.cancel();
    }

    /**
     * @param r unkeyed outcome, keyed outcome
     */
    @Arbiter
    public void arbiter(LL_Result r) {
        r.r1 = unkeyed.sortedOutcome();
        r.r2 = keyed.sortedOutcome();
    }
}
