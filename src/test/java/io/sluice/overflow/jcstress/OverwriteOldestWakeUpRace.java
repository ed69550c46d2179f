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
 * Overwrite-oldest signals downstream only for an element that arrived into an empty ring (an
 * element stored behind an older unclaimed one is taken by whoever claims the older one). This
 * race checks that no element is ever left without a taker. Capacity 2, the producer emits 1..4.
 * {@code r1}: fused, with {@code publishOn}'s signal handling modelled (a wake-up schedules a drain
 * pass that polls until empty and repeats if signalled meanwhile); the consumer runs whatever pass
 * is scheduled, twice, and the arbiter runs a pass still scheduled, as the scheduler would:
 * afterwards nothing may remain buffered ({@code STRANDED}). {@code r2}: not fused, the consumer
 * requests 10 while the producer emits; with that demand outstanding nothing may remain buffered
 * once both are done ({@code STUCK}). In both, elements arrive in order, each delivered or dropped
 * once, and only the oldest are dropped: 3 and 4 never (only 4 arrives after 3, and then 2 or
 * nothing is the oldest).
 */
@JCStressTest
@Outcome(id = "D=1234 X=, D=1234 X=", expect = ACCEPTABLE, desc = "consumer kept up in both")
@Outcome(id = "D=(1234 X=|234 X=1|134 X=2|34 X=12), D=(1234 X=|234 X=1|134 X=2|34 X=12)",
        expect = ACCEPTABLE_INTERESTING, desc = "1 and/or 2 evicted (3 and 4 never can be); nothing left without a taker")
@Outcome(expect = FORBIDDEN, desc = "stranded, stuck, lost, duplicated, reordered or over-evicted")
@State
public class OverwriteOldestWakeUpRace {

    private final FusedHarness fused = new FusedHarness(Overflow.overwriteOldest(2));
    private final RaceHarness demanded = new RaceHarness(p -> p, Overflow.overwriteOldest(2));

    /** Upstream of both stages. */
    @Actor
    public void producer() {
        for (int i = 1; i <= 4; i++) {
            fused.produce(i);
            demanded.produce(i);
        }
    }

    /** Downstream of both: runs the scheduled fused passes; requests more than will come. */
    @Actor
    public void consumer() {
        fused.runScheduledPass();
        demanded.request(10);
        fused.runScheduledPass();
    }

    /**
     * @param r fused outcome, demanded outcome
     */
    @Arbiter
    public void arbiter(LL_Result r) {
        r.r1 = fused.passOutcome();
        r.r2 = demanded.outcomeWithoutDraining();
    }
}
