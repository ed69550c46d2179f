package io.sluice.transport.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A WARN line at most once per interval: the first event of an interval is logged with the number
 * of events suppressed since the previous line; the others are only counted (at DEBUG). For input
 * a peer controls (e.g. rejected datagrams), where one line per event could flood the log.
 * Thread-safe, lock-free.
 */
public final class RateLimitedLog {

    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier clock;
    private final AtomicLong next;
    private final AtomicLong suppressed = new AtomicLong();

    /**
     * @param log where to write
     * @param interval at most one WARN line per this many milliseconds
     */
    public RateLimitedLog(Logger log, long interval) {
        this(log, interval, System::nanoTime);
    }

    /**
     * @param log where to write
     * @param interval at most one WARN line per this many milliseconds
     * @param clock nanosecond clock (tests)
     */
    public RateLimitedLog(Logger log, long interval, LongSupplier clock) {
        this.log = log;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(interval);
        this.clock = clock;
        this.next = new AtomicLong(clock.getAsLong());
    }

    /**
     * Logs {@code what} at WARN unless a line was written less than the interval ago.
     *
     * @param what the event, one line
     * @return whether a WARN line was written
     */
    public boolean warn(String what) {
        long now = clock.getAsLong();
        long due = next.get();
        if (now - due >= 0 && next.compareAndSet(due, now + intervalNanos)) {
            long quiet = suppressed.getAndSet(0);
            if (quiet == 0) {
                log.warn("{}", what);
            } else {
                log.warn("{} ({} more like it suppressed in the last {} s)", what, quiet,
                        TimeUnit.NANOSECONDS.toSeconds(intervalNanos));
            }
            return true;
        }
        suppressed.incrementAndGet();
        log.debug("{}", what);
        return false;
    }
}
