package io.sluice.overflow;

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
    public static io.sluice.persist.PersistentOverflow.Builder persistent(java.nio.file.Path dir) {
        return new io.sluice.persist.PersistentOverflow.Builder(dir);
    }
}
