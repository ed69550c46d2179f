package io.sluice.persist;

import java.time.Duration;
import java.util.Objects;

/**
 * When appended records are forced to disk, and so when an append counts as durable.
 * <ul>
 *   <li>{@link #ALWAYS}: every append is forced before it returns; a record whose append returned
 *       survives a crash of the process or of the machine.</li>
 *   <li>{@link #every(Duration)} (group commit): records are forced together at most that long
 *       after they are appended; a record survives a crash once
 *       {@link PersistentOverflow#durableOffset()} has reached it. A process crash alone
 *       ({@code kill -9}) loses nothing written, since the OS still holds it.</li>
 *   <li>{@link #NEVER}: the OS writes back when it likes (and at a clean close); survives a process
 *       crash, not a power loss.</li>
 * </ul>
 * Checkpoints and segment creation are always fsync'd, whatever the policy: the log stays
 * consistent under every policy; the policy only decides which appends a machine crash may lose.
 */
public final class Fsync {

    /** Force on every append. */
    public static final Fsync ALWAYS = new Fsync(Duration.ZERO, "always");
    /** Never force appends (the OS decides). */
    public static final Fsync NEVER = new Fsync(null, "never");

    private final Duration interval;
    private final String label;

    private Fsync(Duration interval, String label) {
        this.interval = interval;
        this.label = label;
    }

    /**
     * @param interval longest time an appended record waits for its fsync, above zero
     * @return a group-commit policy
     */
    public static Fsync every(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("fsync interval must be above zero, was " + interval);
        }
        return new Fsync(interval, interval.toMillis() + "ms");
    }

    /** @return true for {@link #ALWAYS} */
    public boolean always() {
        return interval != null && interval.isZero();
    }

    /** @return true for {@link #NEVER} */
    public boolean never() {
        return interval == null;
    }

    /** @return the group-commit interval, or null for {@link #ALWAYS} and {@link #NEVER} */
    public Duration interval() {
        return always() ? null : interval;
    }

    @Override
    public String toString() {
        return label;
    }
}
