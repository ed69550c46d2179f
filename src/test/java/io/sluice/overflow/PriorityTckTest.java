package io.sluice.overflow;

/**
 * Reactive Streams TCK, publisher rules: keyed priority (every element its own key, so merging never
 * hides an element from the count rules).
 */
public class PriorityTckTest extends OverflowTckTest {
    @Override
    OverflowPolicy<Integer> policy() {
        // decreasing priority = emission order, so elements come out in the order the rules expect
        return Overflow.priorityByKey(CAPACITY, i -> i, i -> -(long) i);
    }
}
