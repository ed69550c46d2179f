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
 * Priority stage of capacity 2: the producer emits 1, 2, 3 with priorities 1, 3, 2 while the
 * consumer requests one element; the arbiter drains the rest. Whatever the interleaving, the
 * consumer's one element is the highest of what was buffered at that instant, the rest drain in
 * priority order, and an element is evicted only when 3 arrived at a full buffer: then 1, the
 * lowest, never 2 or 3, and never an element that was also delivered.
 */
@JCStressTest
@Outcome(id = "D=123 X=", expect = ACCEPTABLE, desc = "1 delivered before 2 arrived; 2 and 3 drain by priority")
@Outcome(id = "D=231 X=", expect = ACCEPTABLE, desc = "request between 2 and 3: 2 (highest) first, then 3, 1")
@Outcome(id = "D=23 X=1", expect = ACCEPTABLE_INTERESTING, desc = "3 arrived at a full buffer and evicted 1")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated, out of priority order, or the wrong element evicted")
@State
public class PriorityRace {

    private final RaceHarness stage = new RaceHarness(p -> p,
            Overflow.<Integer>priority(2, v -> v == 1 ? 1 : v == 2 ? 3 : 2));

    /** Upstream. */
    @Actor
    public void producer() {
        for (int i = 1; i <= 3; i++) {
            stage.produce(i);
        }
    }

    /** Downstream. */
    @Actor
    public void consumer() {
        stage.request(1);
    }

    /**
     * @param r the outcome
     */
    @Arbiter
    public void arbiter(L_Result r) {
        r.r1 = stage.outcome();
    }
}
