package io.sluice.transport.udp;

import static io.sluice.transport.udp.SequenceTracker.Outcome.DUPLICATE;
import static io.sluice.transport.udp.SequenceTracker.Outcome.FIRST;
import static io.sluice.transport.udp.SequenceTracker.Outcome.GAP;
import static io.sluice.transport.udp.SequenceTracker.Outcome.IN_ORDER;
import static io.sluice.transport.udp.SequenceTracker.Outcome.LATE;
import static io.sluice.transport.udp.SequenceTracker.Outcome.OUT_OF_RANGE;
import static io.sluice.transport.udp.SequenceTracker.Outcome.RESTART;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.transport.TransportMetrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The sequenced UDP source's per-sender accounting ({@link SequenceTracker}) with exact expectations:
 * duplicates, late arrivals inside and outside the window, big jumps, restarts, the sender limit. Most
 * cases use a 64-number window and a jump limit of 1,000 so the edges are reachable with small numbers.
 */
class SequenceTrackerTest {

    private final TransportMetrics m = new TransportMetrics("udp");
    private final SequenceTracker small = new SequenceTracker(m, 64, 100, 1_000);

    private List<SequenceTracker.Outcome> send(SequenceTracker t, Object sender, long... seqs) {
        List<SequenceTracker.Outcome> out = new ArrayList<>();
        for (long s : seqs) {
            out.add(t.accept(sender, s));
            assertThat(m.lost()).as("lost after %d", s).isNotNegative();
        }
        return out;
    }

    private void counts(long lost, long reordered, long duplicated) {
        assertThat(m.lost()).as("lost").isEqualTo(lost);
        assertThat(m.reordered()).as("reordered").isEqualTo(reordered);
        assertThat(m.duplicated()).as("duplicated").isEqualTo(duplicated);
    }

    @Test
    void inOrderCountsNothing() {
        assertThat(send(small, "a", 0, 1, 2, 3)).containsExactly(FIRST, IN_ORDER, IN_ORDER, IN_ORDER);
        counts(0, 0, 0);
    }

    @Test
    void aGapIsLostUntilItsNumbersArriveLateEachTakenBackOnce() {
        assertThat(send(small, "a", 0, 1, 4, 2, 5)).containsExactly(FIRST, IN_ORDER, GAP, LATE, IN_ORDER);
        counts(1, 1, 0); // 3 missing, 2 late
        assertThat(send(small, "a", 3, 3, 2)).containsExactly(LATE, DUPLICATE, DUPLICATE);
        counts(0, 2, 2);
    }

    @Test
    void aDuplicateOfANumberNeverLostIsADuplicateNotATakeBack() {
        // the fuzz finding: each of these was subtracted from lost, which went to -3
        assertThat(send(small, "a", 0, 1, 1, 0, 1)).containsExactly(FIRST, IN_ORDER, DUPLICATE, DUPLICATE, DUPLICATE);
        counts(0, 0, 3);
        assertThat(send(small, "a", 7, 7)).containsExactly(GAP, DUPLICATE);
        counts(5, 0, 4);
    }

    @Test
    void theWindowEdge() {
        send(small, "a", 0, 100);
        counts(99, 0, 0);
        // (100 - 64, 100] is inside: 37 is the oldest number still tracked
        assertThat(send(small, "a", 37, 37)).containsExactly(LATE, DUPLICATE);
        counts(98, 1, 1);
        // 36 and older: whether lost or already here is forgotten; reordered only, lost unchanged
        assertThat(send(small, "a", 36, 0, 10)).containsExactly(OUT_OF_RANGE, OUT_OF_RANGE, OUT_OF_RANGE);
        counts(98, 4, 1);
        assertThat(send(small, "a", 101)).containsExactly(IN_ORDER);
        counts(98, 4, 1);
    }

    @Test
    void numbersThatFellOutOfTheWindowStayLost() {
        send(small, "a", 0, 2); // 1 lost
        send(small, "a", 66); // 3..65 lost, and 1, 2 slide out
        counts(64, 0, 0);
        assertThat(send(small, "a", 1, 2, 3)).containsExactly(OUT_OF_RANGE, RESTART, IN_ORDER);
        // 1, 2 (consecutive, out of range) look like a sender that started again at 1
        counts(65, 1, 0);
    }

    @Test
    void bigJumpsUpToTheLimitAreLostBeyondItOutOfRange() {
        assertThat(send(small, "a", 0, 1_000)).containsExactly(FIRST, GAP);
        counts(999, 0, 0);
        assertThat(send(small, "a", 2_001, 1_001)).containsExactly(OUT_OF_RANGE, IN_ORDER);
        counts(999, 1, 0);
        // a stray huge number does not disturb the sequence, nor overflow lost
        assertThat(send(small, "a", Long.MAX_VALUE, 1_002, Long.MAX_VALUE)).containsExactly(OUT_OF_RANGE, IN_ORDER, OUT_OF_RANGE);
        counts(999, 3, 0);
        assertThat(send(small, "a", 1_003)).containsExactly(IN_ORDER);
    }

    @Test
    void aConfirmedBigJumpRestartsWithoutCountingTheJump() {
        send(small, "a", 0, 1, 2);
        assertThat(send(small, "a", 5_000, 5_001, 5_003)).containsExactly(OUT_OF_RANGE, RESTART, GAP);
        counts(1, 1, 0); // 5002; the jump itself is not counted
        assertThat(send(small, "a", 4_999, 5_002)).containsExactly(OUT_OF_RANGE, LATE);
        counts(0, 3, 0);
    }

    @Test
    void aSenderThatStartsAgainFromZero() {
        send(small, "a", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
                25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49,
                50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70);
        assertThat(send(small, "a", 0, 1, 2)).containsExactly(OUT_OF_RANGE, RESTART, IN_ORDER);
        counts(0, 1, 0);
        // restarted, its first datagrams lost: counted as for a new sender numbering from 0
        send(small, "a", 200);
        assertThat(send(small, "a", 3, 4, 1)).containsExactly(OUT_OF_RANGE, RESTART, LATE);
        counts(197 + 2, 3, 0); // 3..199 of the second run, then 0 and 2 of the third (1 came late)
    }

    @Test
    void aRestartInsideTheWindowLooksLikeDuplicates() {
        // the documented limit: a sender that starts again before passing the window is not told apart
        send(small, "a", 0, 1, 2, 3, 4);
        assertThat(send(small, "a", 0, 1, 2, 3, 4, 5)).containsExactly(DUPLICATE, DUPLICATE, DUPLICATE, DUPLICATE,
                DUPLICATE, IN_ORDER);
        counts(0, 0, 5);
    }

    @Test
    void aSenderHeardFirstMidSequenceCountsNothingBeforeIt() {
        assertThat(send(small, "a", 5_000, 5_001, 4_999)).containsExactly(FIRST, IN_ORDER, OUT_OF_RANGE);
        counts(0, 1, 0);
        // below the window: taken as numbered from 0 with the first ones lost
        assertThat(send(small, "b", 10, 0, 9, 0)).containsExactly(FIRST, LATE, LATE, DUPLICATE);
        counts(8, 3, 1);
    }

    @Test
    void sendersAreAccountedSeparately() {
        send(small, "a", 0, 2);
        send(small, "b", 0, 1, 1);
        send(small, "a", 1);
        counts(0, 1, 1);
    }

    @Test
    void theLeastRecentlyHeardSenderIsForgottenBeyondTheLimit() {
        SequenceTracker t = new SequenceTracker(m, 64, 3, 1_000);
        send(t, "a", 0, 1);
        send(t, "b", 0);
        send(t, "c", 0);
        send(t, "a", 2); // a is now the most recent: b is the eldest
        send(t, "d", 0);
        assertThat(t.senders()).isEqualTo(3);
        assertThat(send(t, "a", 3)).containsExactly(IN_ORDER);
        assertThat(send(t, "b", 1)).as("b was forgotten: a new sender").containsExactly(FIRST);
        counts(1, 0, 0); // b's 0 is counted lost again (the documented cost of forgetting)
        assertThat(t.senders()).isEqualTo(3);
    }

    @Test
    void theDefaultsAndTheirBounds() {
        SequenceTracker t = new SequenceTracker(m);
        send(t, "a", 0, SequenceTracker.MAX_JUMP);
        counts(SequenceTracker.MAX_JUMP - 1, 0, 0);
        assertThat(send(t, "a", 2 * SequenceTracker.MAX_JUMP + 1)).containsExactly(OUT_OF_RANGE);
        assertThat(send(t, "a", SequenceTracker.MAX_JUMP - SequenceTracker.WINDOW + 1, SequenceTracker.MAX_JUMP
                - SequenceTracker.WINDOW)).containsExactly(LATE, OUT_OF_RANGE);
        for (int i = 0; i < SequenceTracker.MAX_SENDERS + 10; i++) {
            t.accept(i, 0);
        }
        assertThat(t.senders()).isEqualTo(SequenceTracker.MAX_SENDERS);
        assertThatThrownBy(() -> new SequenceTracker(m, 100, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Random traffic with known drops, duplicates and reordering, all within half the window: the counts
     * are exactly what was done to it.
     */
    @Test
    void randomTrafficInsideTheWindowIsAccountedExactly() {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            TransportMetrics mm = new TransportMetrics("udp");
            SequenceTracker t = new SequenceTracker(mm, 64, 10, 1_000);
            int n = 5_000;
            List<Long> arrivals = new ArrayList<>();
            long dropped = 0;
            for (long s = 0; s < n; s++) {
                if (s > 0 && s < n - 1 && r.nextInt(10) == 0) {
                    dropped++;
                } else {
                    arrivals.add(s);
                    if (r.nextInt(20) == 0) {
                        arrivals.add(s);
                    }
                }
            }
            for (int i = 0; i < arrivals.size(); i += 16) { // shuffled in blocks of 16: moved < 16 places
                Collections.shuffle(arrivals.subList(i, Math.min(arrivals.size(), i + 16)), r);
            }
            Set<Long> seen = new HashSet<>();
            long max = -1;
            long duplicates = 0;
            long late = 0;
            for (long s : arrivals) {
                t.accept("x", s);
                assertThat(mm.lost()).isNotNegative();
                if (!seen.add(s)) {
                    duplicates++;
                } else if (s < max) {
                    late++;
                }
                max = Math.max(max, s);
            }
            assertThat(mm.lost()).as("lost, seed %d", seed).isEqualTo(dropped);
            assertThat(mm.duplicated()).as("duplicated, seed %d", seed).isEqualTo(duplicates);
            assertThat(mm.reordered()).as("reordered, seed %d", seed).isEqualTo(late);
            assertThat(late).as("the traffic was reordered").isPositive();
        }
    }
}
