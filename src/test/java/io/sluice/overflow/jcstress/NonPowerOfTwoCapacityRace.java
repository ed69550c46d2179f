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
 * Capacity 3, which is not a power of two: JCTools' queue under drop-newest has 4 slots and the
 * overwrite-oldest ring 8, so the capacity is enforced by the stages' own size checks, not by the
 * queue being full. Two independent stages run side by side in each sample (to keep the CI jcstress
 * run short): {@code r1} is drop-newest, {@code r2} overwrite-oldest. For each, the producer emits
 * 1..5 while the consumer requests one element; the arbiter drains the rest. A buffer that ever held
 * 4 elements shows up as {@code D=12345 X=} (drop-newest) or as a missing eviction
 * (overwrite-oldest), both forbidden.
 *
 * <p>Drop-newest: if the consumer took 1 before 4 arrived, only 5 finds the buffer (2, 3, 4) full;
 * if it took 1 between 4 and 5, 4 was dropped and 5 fits; if it came after 5, both were dropped.
 * Overwrite-oldest: consumer before 4 takes 1, and 5 evicts 2; between 4 (which evicted 1) and 5 it
 * takes 2 and 5 fits; after 5 (which evicted 2 too) it takes 3.
 */
@JCStressTest
@Outcome(id = "D=1234 X=5, (D=1345 X=2|D=2345 X=1|D=345 X=12)", expect = ACCEPTABLE,
        desc = "drop-newest: consumer took 1 before 4 arrived, only 5 dropped")
@Outcome(id = "D=1235 X=4, (D=1345 X=2|D=2345 X=1|D=345 X=12)", expect = ACCEPTABLE_INTERESTING,
        desc = "drop-newest: consumer took 1 between 4 (dropped) and 5 (fits)")
@Outcome(id = "D=123 X=45, (D=1345 X=2|D=2345 X=1|D=345 X=12)", expect = ACCEPTABLE_INTERESTING,
        desc = "drop-newest: consumer came after 5: 4 and 5 dropped")
@Outcome(expect = FORBIDDEN, desc = "more than 3 buffered, lost, duplicated, reordered or wrong element dropped")
@State
public class NonPowerOfTwoCapacityRace {

    private final RaceHarness dropNewest = new RaceHarness(p -> p, Overflow.dropNewest(3));
    private final RaceHarness overwriteOldest = new RaceHarness(p -> p, Overflow.overwriteOldest(3));

    /** Upstream of both stages. */
    @Actor
    public void producer() {
        for (int i = 1; i <= 5; i++) {
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
