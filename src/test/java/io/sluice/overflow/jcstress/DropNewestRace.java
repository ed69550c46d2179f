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
 * Drop-newest, capacity 2: the producer emits 1, 2, 3 while the consumer requests one element; the
 * arbiter drains the rest. Only the incoming element (3) can be dropped, and only when the buffer
 * still held 1 and 2.
 */
@JCStressTest
@Outcome(id = "D=123 X=", expect = ACCEPTABLE, desc = "consumer made room before 3 arrived")
@Outcome(id = "D=12 X=3", expect = ACCEPTABLE_INTERESTING, desc = "3 arrived when full: dropped")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated, reordered or the wrong element dropped")
@State
public class DropNewestRace {

    private final RaceHarness h = new RaceHarness(p -> p, Overflow.dropNewest(2));

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
