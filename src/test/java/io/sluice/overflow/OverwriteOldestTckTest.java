package io.sluice.overflow;

/** Reactive Streams TCK, publisher rules: Overwrite-oldest. */
public class OverwriteOldestTckTest extends OverflowTckTest {
    @Override
    OverflowPolicy<Integer> policy() {
        return Overflow.overwriteOldest(CAPACITY);
    }
}
