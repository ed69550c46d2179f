package io.sluice.overflow.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.sluice.overflow.Overflow;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * Overwrite-oldest with a fused downstream that polls the ring itself (as {@code publishOn} does),
 * two stages side by side. {@code r1}, capacity 1: the producer emits 1, 2, 3 (each arrival after
 * the first may evict) while the consumer polls twice; the arbiter polls the rest. Survivors are
 * always the newest at the time, in order, each element delivered or dropped once. {@code r2},
 * capacity 3: the producer emits 1..4 while the consumer polls once, cancels and clears; every
 * element is delivered, or handed to the drop hook once (evicted or discarded), the counters agree
 * with the hook and nothing stays buffered.
 */
@JCStressTest
@Outcome(id = "D=123 X=, (D=1 X=234|D=2 X=134|D= X=1234)", expect = ACCEPTABLE, desc = "r1: consumer kept up")
@Outcome(id = "D=13 X=2, (D=1 X=234|D=2 X=134|D= X=1234)", expect = ACCEPTABLE_INTERESTING, desc = "r1: 2 evicted by 3")
@Outcome(id = "D=23 X=1, (D=1 X=234|D=2 X=134|D= X=1234)", expect = ACCEPTABLE_INTERESTING, desc = "r1: 1 evicted by 2")
@Outcome(id = "D=3 X=12, (D=1 X=234|D=2 X=134|D= X=1234)", expect = ACCEPTABLE_INTERESTING, desc = "r1: consumer came last")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated, reordered, over-evicted, miscounted or left buffered")
@State
public class FusedOverwriteOldestRace {

    private final FusedHarness polls = new FusedHarness(Overflow.overwriteOldest(1));
    private final FusedHarness cancel = new FusedHarness(Overflow.overwriteOldest(3));

    /** Upstream of both stages. */
    @Actor
    public void producer() {
        for (int i = 1; i <= 4; i++) {
            if (i <= 3) {
                polls.produce(i);
            }
            cancel.produce(i);
        }
    }

    /** Downstream of both: polls twice; polls once, then cancels. */
    @Actor
    public void consumer() {
        polls.poll();
        polls.poll();
        cancel.poll();
        cancel.cancel();
    }

    /**
     * @param r two-polls outcome, cancel outcome
     */
    @Arbiter
    public void arbiter(LL_Result r) {
        r.r1 = polls.outcome();
        r.r2 = cancel.sortedOutcome();
    }
}
