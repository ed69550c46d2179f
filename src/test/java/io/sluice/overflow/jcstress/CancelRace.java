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
 * Cancel racing {@code onNext}: the producer emits 1..4 while the consumer requests one element and
 * then cancels. Every element must be either delivered, or handed to the drop hook and to Reactor's
 * discard hook exactly once each (an overflow drop or a discard on cancel), never both, never twice;
 * the policy's {@code dropped() + discardedOnCancel()} must equal the hook calls. Two independent
 * stages of capacity 3 run side by side in each sample (to keep the CI jcstress run short):
 * {@code r1} is drop-newest, {@code r2} overwrite-oldest. Outcomes list {@code D=} delivered in
 * order, {@code X=} the drop hook's elements sorted, {@code R=} the discard hook's elements sorted.
 *
 * <p>Drop-newest delivers 1 if it was buffered (or arrived) while the demand was live, else nothing.
 * Overwrite-oldest can also deliver 2: when 4 arrived first and evicted 1.
 */
@JCStressTest
@Outcome(id = "D=1 X=234 R=234, (D=1 X=234 R=234|D=2 X=134 R=134|D= X=1234 R=1234)", expect = ACCEPTABLE,
        desc = "drop-newest delivered 1, the rest dropped or discarded once")
@Outcome(id = "D= X=1234 R=1234, (D=1 X=234 R=234|D=2 X=134 R=134|D= X=1234 R=1234)",
        expect = ACCEPTABLE_INTERESTING,
        desc = "drop-newest: cancel won before 1 could be delivered; all dropped or discarded once")
@Outcome(expect = FORBIDDEN, desc = "an element delivered and discarded, discarded twice, lost, or miscounted")
@State
public class CancelRace {

    private final RaceHarness dropNewest = new RaceHarness(p -> p, Overflow.dropNewest(3));
    private final RaceHarness overwriteOldest = new RaceHarness(p -> p, Overflow.overwriteOldest(3));

    /** Upstream of both stages. */
    @Actor
    public void producer() {
        for (int i = 1; i <= 4; i++) {
            dropNewest.produce(i);
            overwriteOldest.produce(i);
        }
    }

    /** Downstream of both stages: asks for one, then cancels. */
    @Actor
    public void consumer() {
        dropNewest.request(1);
        overwriteOldest.request(1);
        dropNewest.cancel();
        overwriteOldest.cancel();
    }

    /**
     * @param r drop-newest outcome, overwrite-oldest outcome
     */
    @Arbiter
    public void arbiter(LL_Result r) {
        r.r1 = dropNewest.sortedOutcome();
        r.r2 = overwriteOldest.sortedOutcome();
    }
}
