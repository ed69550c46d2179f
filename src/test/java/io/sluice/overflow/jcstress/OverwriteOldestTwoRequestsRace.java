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
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * Overwrite-oldest, capacity 1: the producer emits 1, 2, 3 (each arrival after the first may
 * overwrite) while the consumer polls twice. Survivors are always the newest at the time, in order.
 */
@JCStressTest
@Outcome(id = "D=123 X=", expect = ACCEPTABLE, desc = "consumer kept up")
@Outcome(id = "D=13 X=2", expect = ACCEPTABLE_INTERESTING, desc = "2 overwritten by 3")
@Outcome(id = "D=23 X=1", expect = ACCEPTABLE_INTERESTING, desc = "1 overwritten by 2")
@Outcome(id = "D=3 X=12", expect = ACCEPTABLE_INTERESTING, desc = "consumer came last")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated, reordered or over-evicted")
@State
public class OverwriteOldestTwoRequestsRace {

    private final RaceHarness h = new RaceHarness(p -> p, Overflow.overwriteOldest(1));

    /** Upstream. */
    @Actor
    public void producer() {
        h.produce(1);
        h.produce(2);
        h.produce(3);
    }

    /** Downstream, asking twice. */
    @Actor
    public void consumer() {
        h.request(1);
        h.request(1);
    }

    /**
     * @param r outcome
     */
    @Arbiter
    public void arbiter(L_Result r) {
        r.r1 = h.outcome();
    }
}
