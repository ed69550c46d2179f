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
 * Capacity 2 (a power of two: an exact fit for JCTools' queue). Two independent stages run side by
 * side in each sample, to keep the CI jcstress run short: {@code r1} is drop-newest, {@code r2}
 * overwrite-oldest. For each, the producer emits 1, 2, 3 while the consumer requests one element;
 * the arbiter drains the rest. Every element is delivered once or dropped once, in order.
 *
 * <p>Drop-newest: only the incoming element (3) can be dropped, and only when the buffer still held
 * 1 and 2. Overwrite-oldest never evicts more than needed: only element 1 can ever be dropped, and
 * only if the consumer had not taken it before 3 arrived.
 */
@JCStressTest
@Outcome(id = "D=123 X=, (D=123 X=|D=23 X=1)", expect = ACCEPTABLE,
        desc = "drop-newest: consumer made room before 3 arrived")
@Outcome(id = "D=12 X=3, (D=123 X=|D=23 X=1)", expect = ACCEPTABLE_INTERESTING,
        desc = "drop-newest: 3 arrived when full: dropped")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated, reordered, over-evicted or the wrong element dropped")
@State
public class CapacityTwoRace {

    private final RaceHarness dropNewest = new RaceHarness(p -> p, Overflow.dropNewest(2));
    private final RaceHarness overwriteOldest = new RaceHarness(p -> p, Overflow.overwriteOldest(2));

    /** Upstream of both stages. */
    @Actor
    public void producer() {
        for (int i = 1; i <= 3; i++) {
            dropNewest.produce(i);
            overwriteOldest.produce(i);
        }
    }

    /** Downstream of both stages. */
    @Actor
    public void consumer() {
        dropNewest.request(1);
        overwriteOldest.request(1);
    }

    /**
     * @param r drop-newest outcome, overwrite-oldest outcome
     */
    @Arbiter
    public void arbiter(LL_Result r) {
        r.r1 = dropNewest.outcome();
        r.r2 = overwriteOldest.outcome();
    }
}
