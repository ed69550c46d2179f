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
 * Overwrite-oldest, capacity 2: the producer emits 1, 2, 3 while the consumer requests one element.
 * The arbiter then drains the rest. Every element is delivered once or dropped once, in order, and
 * the stage never evicts more than needed: only element 1 can ever be dropped, and only if the
 * consumer had not taken it before 3 arrived.
 */
@JCStressTest
@Outcome(id = "D=123 X=", expect = ACCEPTABLE, desc = "consumer took 1 before the buffer was full")
@Outcome(id = "D=23 X=1", expect = ACCEPTABLE_INTERESTING, desc = "3 arrived when full: oldest (1) overwritten")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated, reordered or over-evicted")
@State
public class OverwriteOldestRace {

    private final RaceHarness h = new RaceHarness(p -> p, Overflow.overwriteOldest(2));

    /** Upstream. */
    @Actor
    public void producer() {
        h.produce(1);
        h.produce(2);
        h.produce(3);
    }

    /** Downstream. */
    @Actor
    public void consumer() {
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
