package io.sluice.overflow;

/** Reactive Streams TCK, publisher rules: Drop-newest. */
public class DropNewestTckTest extends OverflowTckTest {
    @Override
    OverflowPolicy<Integer> policy() {
        return Overflow.dropNewest(CAPACITY);
    }
}
