package io.sluice.overflow;

import io.sluice.Message;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongBinaryOperator;
import java.util.function.ToLongFunction;

/**
 * Factory of overflow stages: what a full gateway loses.
 *
 * <p>Each stage buffers at most {@code capacity} elements between a fast upstream and a possibly
 * slower downstream, and respects downstream {@code request(n)} exactly. The policies differ in
 * what happens when the buffer is full:
 * <ul>
 *   <li>{@link #dropNewest(int)} (Go channel): the incoming element is dropped; the oldest buffered
 *       elements are kept.</li>
 *   <li>{@link #overwriteOldest(int)} (ring buffer): the oldest buffered element is discarded to
 *       make room, so consumers always see the newest {@code capacity} elements.</li>
 *   <li>{@link #block(int)}: lossless; upstream is backpressured (requests in batches of at most
 *       {@code capacity}).</li>
 *   <li>{@link #fail(int)}: the element that does not fit is dropped, upstream is cancelled and an
 *       {@link OverflowException} is signalled after the buffered elements.</li>
 *   <li>{@link #priority(int, ToLongFunction)}: the highest priority is delivered first (FIFO among
 *       equal priorities); when full, the lowest-priority element is evicted, or the incoming one
 *       if it is the lowest. {@link #priorityByKey} also merges an element into the buffered one
 *       with the same key (priorities added by default, as Barbershop's {@code UPDATE}).</li>
 * </ul>
 * Every discarded element is counted ({@link OverflowPolicy#dropped()}), handed exactly once to the
 * {@link OverflowPolicy#onDrop(java.util.function.Consumer) onDrop} hook and to Reactor's discard
 * hook ({@code doOnDiscard}), and optionally published as a {@link io.sluice.event.Dropped} event.
 *
 * <p>{@link #persistent(java.nio.file.Path)} is the durable stage: a crash-consistent segment log on
 * disk instead of a buffer in memory (see {@link io.sluice.persist.PersistentOverflow}).
 *
 * <p>Usage: {@code flux.transform(Overflow.dropNewest(1024))} or
 * {@code Pipeline.from(source).overflow(Overflow.overwriteOldest(64))}.
 */
public final class Overflow {

    private Overflow() {
    }

    /**
     * @param capacity buffer size, at least 1
     * @param <T> element type
     * @return a drop-newest stage
     */
    public static <T> OverflowPolicy<T> dropNewest(int capacity) {
        return new OverflowPolicy<>(OverflowPolicy.Kind.DROP_NEWEST, capacity);
    }

    /**
     * @param capacity buffer size, at least 1
     * @param <T> element type
     * @return an overwrite-oldest (ring buffer) stage
     */
    public static <T> OverflowPolicy<T> overwriteOldest(int capacity) {
        return new OverflowPolicy<>(OverflowPolicy.Kind.OVERWRITE_OLDEST, capacity);
    }

    /**
     * @param capacity buffer size and upstream batch size, at least 1
     * @param <T> element type
     * @return a lossless, backpressuring stage
     */
    public static <T> OverflowPolicy<T> block(int capacity) {
        return new OverflowPolicy<>(OverflowPolicy.Kind.BLOCK, capacity);
    }

    /**
     * @param capacity buffer size, at least 1
     * @param <T> element type
     * @return a stage that errors with {@link OverflowException} when full
     */
    public static <T> OverflowPolicy<T> fail(int capacity) {
        return new OverflowPolicy<>(OverflowPolicy.Kind.FAIL, capacity);
    }

    /**
     * A durable stage backed by a segment log in {@code dir}: configure the builder (fsync policy,
     * {@code maxBytes}, what to do when full), then {@code build()} opens and recovers the log.
     *
     * @param dir the log directory
     * @return a builder of the stage
     */
    public static io.sluice.persist.PersistentBuilder persistent(java.nio.file.Path dir) {
        return new io.sluice.persist.PersistentBuilder(dir);
    }

    /**
     * @param capacity buffer size, at least 1
     * @param priority an element's priority; higher is delivered first. Called once per element on
     *     the producer's thread; if it throws, the stage fails (after delivering what it buffered)
     * @param <T> element type
     * @return a priority stage: highest first, FIFO among equals, evicts the lowest when full
     */
    public static <T> OverflowPolicy<T> priority(int capacity, ToLongFunction<? super T> priority) {
        return new OverflowPolicy<>(capacity, new PrioritySpec<T>(priority, null, null));
    }

    /**
     * Keyed priority stage whose merge adds priorities (saturating at {@code Long.MAX_VALUE}), as
     * Barbershop's {@code UPDATE item priority} raises a queued item's priority by the given amount.
     *
     * @param capacity buffer size (distinct keys buffered), at least 1
     * @param key an element's key; elements whose key is null are never merged
     * @param priority an element's priority; higher is delivered first
     * @param <T> element type
     * @return see {@link #priorityByKey(int, Function, ToLongFunction, LongBinaryOperator)}
     */
    public static <T> OverflowPolicy<T> priorityByKey(int capacity, Function<? super T, ?> key,
            ToLongFunction<? super T> priority) {
        return priorityByKey(capacity, key, priority, PriorityBuffer::saturatedAdd);
    }

    /**
     * A priority stage where at most one element per key is buffered: an element whose key is
     * already buffered is merged into it: the buffered element stays (with its place among equal
     * priorities), its priority becomes {@code merge(buffered, incoming)}, and the incoming element
     * is counted in {@link OverflowPolicy#merged()} and handed to the {@code onDrop} and discard
     * hooks (it is not an overflow drop: no {@code Dropped} event, not in {@code dropped()}).
     * Elements delivered are no longer buffered, so a key that arrives again is a new element.
     *
     * @param capacity buffer size (distinct keys buffered), at least 1
     * @param key an element's key; elements whose key is null are never merged
     * @param priority an element's priority; higher is delivered first
     * @param merge combines the buffered and the incoming priority
     * @param <T> element type
     * @return a keyed priority stage
     */
    public static <T> OverflowPolicy<T> priorityByKey(int capacity, Function<? super T, ?> key,
            ToLongFunction<? super T> priority, LongBinaryOperator merge) {
        return new OverflowPolicy<>(capacity, new PrioritySpec<T>(priority, Objects.requireNonNull(key, "key"),
                Objects.requireNonNull(merge, "merge")));
    }

    /**
     * A priority stage for {@link Message}s ranked by a header, as the gateway's
     * {@code overflow: {policy: priority, priorityHeader: priority, keyHeader: item}} builds it. A
     * missing or non-integer priority header counts as priority 0.
     *
     * @param capacity buffer size, at least 1
     * @param priorityHeader header holding the priority as a whole number
     * @param keyHeader header holding the merge key (priorities added), or null for no merging
     * @return a (keyed) priority stage
     */
    public static OverflowPolicy<Message> priorityByHeaders(int capacity, String priorityHeader, String keyHeader) {
        Objects.requireNonNull(priorityHeader, "priorityHeader");
        ToLongFunction<Message> p = m -> parsePriority(m.headers().get(priorityHeader));
        return keyHeader == null ? priority(capacity, p)
                : priorityByKey(capacity, m -> m.headers().get(keyHeader), p);
    }

    /**
     * @param kind a policy other than {@link OverflowPolicy.Kind#PRIORITY}
     * @param capacity buffer size, at least 1
     * @param <T> element type
     * @return the stage of that kind
     * @throws IllegalArgumentException for {@code PRIORITY}, which needs a priority function
     */
    public static <T> OverflowPolicy<T> of(OverflowPolicy.Kind kind, int capacity) {
        if (kind == OverflowPolicy.Kind.PRIORITY) {
            throw new IllegalArgumentException("the priority policy needs a priority: use Overflow.priority"
                    + " or Overflow.priorityByHeaders");
        }
        return new OverflowPolicy<>(kind, capacity);
    }

    /**
     * @param text a header value
     * @return its whole-number value, or 0 when absent or not a whole number
     */
    static long parsePriority(String text) {
        if (text == null) {
            return 0L;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException notANumber) {
            return 0L;
        }
    }
}
