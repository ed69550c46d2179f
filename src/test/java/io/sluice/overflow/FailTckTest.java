package io.sluice.overflow;

/** Reactive Streams TCK, publisher rules: Fail. */
public class FailTckTest extends OverflowTckTest {
    @Override
    OverflowPolicy<Integer> policy() {
        return Overflow.fail(CAPACITY);
    }
}
