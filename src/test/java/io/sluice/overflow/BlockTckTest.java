package io.sluice.overflow;

/** Reactive Streams TCK, publisher rules: Block: lossless, so any length works; bounded batches upstream. */
public class BlockTckTest extends OverflowTckTest {
    @Override
    OverflowPolicy<Integer> policy() {
        return Overflow.block(16);
    }
}
