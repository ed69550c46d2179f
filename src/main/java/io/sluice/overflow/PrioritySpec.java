package io.sluice.overflow;

import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongBinaryOperator;
import java.util.function.ToLongFunction;

/**
 * How a {@link OverflowPolicy.Kind#PRIORITY} stage ranks and merges elements.
 *
 * @param priority an element's priority (higher is delivered first)
 * @param key an element's key (null result: never merged), or null for an unkeyed stage
 * @param merge combines a held and an incoming priority of the same key; null for an unkeyed stage
 * @param <T> element type
 */
record PrioritySpec<T>(ToLongFunction<? super T> priority, Function<? super T, ?> key, LongBinaryOperator merge) {

    PrioritySpec {
        Objects.requireNonNull(priority, "priority");
        if ((key == null) != (merge == null)) {
            throw new IllegalArgumentException("a keyed priority stage needs both key and merge");
        }
    }
}
