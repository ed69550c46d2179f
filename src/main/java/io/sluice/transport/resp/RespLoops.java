package io.sluice.transport.resp;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.resources.LoopResources;

/**
 * The event loops of the RESP servers: every {@code resp} source and {@code priority-queue} sink of
 * the process that asks for the same number of threads runs on one dedicated reactor-netty
 * {@link LoopResources} of that many threads (named {@value #PREFIX}-...), which accepts and serves
 * their connections alike (no separate acceptor thread). With one thread (the default), a request is
 * read, passed through the pipeline into the backlog, and answered on the thread that also serves the
 * workers' {@code NEXT}, as redis-server serves every client on one thread: no request crosses
 * threads, and no state (the backlog's lock, the pipeline's queues) is shared between event loops.
 *
 * <p>Each server takes a {@link Lease} when it binds and gives it back when it is closed; the loops
 * are created by the first lease of their size and shut down (no quiet period: the servers' channels
 * are closed by then, and the loop runs its queued tasks before it ends) when the last lease of their
 * size is given back, so a stopped gateway leaves no thread behind. Zero threads means reactor-netty's
 * process-wide loops (shared with the other transports), nothing to create or shut down.
 */
final class RespLoops {

    private static final Logger LOG = LoggerFactory.getLogger(RespLoops.class);

    /** Thread name prefix of the loops. */
    static final String PREFIX = "sluice-resp";
    /** How long a loop's shutdown may take once its last server closed. */
    static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    /** Loops in use, by thread count, with their number of leases; guarded by the class. */
    private static final Map<Integer, Shared> IN_USE = new HashMap<>();

    private RespLoops() {
    }

    /** One group of loops and how many servers use it. */
    private static final class Shared {
        final LoopResources loops;
        int leases;

        Shared(LoopResources loops) {
            this.loops = loops;
        }
    }

    /** One server's use of a group of loops; {@link #release} is idempotent. */
    static final class Lease {
        private final int threads;
        private final LoopResources loops;
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease(int threads, LoopResources loops) {
            this.threads = threads;
            this.loops = loops;
        }

        /** @return the loops to run the server on, or null for reactor-netty's shared ones */
        LoopResources loops() {
            return loops;
        }

        /** Gives the lease back; the last one of its size shuts the loops down. */
        void release() {
            if (loops != null && released.compareAndSet(false, true)) {
                RespLoops.release(threads);
            }
        }
    }

    /**
     * @param threads event-loop threads, 0 for reactor-netty's shared loops
     * @return a lease on the process's loops of that size (created if none is in use)
     */
    static Lease acquire(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("eventLoopThreads must be at least 0, was " + threads);
        }
        if (threads == 0) {
            return new Lease(0, null);
        }
        synchronized (RespLoops.class) {
            Shared s = IN_USE.computeIfAbsent(threads, n -> {
                LOG.debug("resp: starting {} event-loop thread(s)", n);
                return new Shared(LoopResources.create(PREFIX + "-" + n, n, true));
            });
            s.leases++;
            return new Lease(threads, s.loops);
        }
    }

    private static void release(int threads) {
        LoopResources ending = null;
        synchronized (RespLoops.class) {
            Shared s = IN_USE.get(threads);
            if (s != null && --s.leases == 0) {
                IN_USE.remove(threads);
                ending = s.loops;
            }
        }
        if (ending != null) {
            LOG.debug("resp: the last server on {} event-loop thread(s) closed; shutting them down", threads);
            ending.disposeLater(Duration.ZERO, SHUTDOWN_TIMEOUT).subscribe(null,
                    e -> LOG.warn("resp: event-loop shutdown failed: {}", e.toString()));
        }
    }

    /** @return the sizes of the groups in use with their lease counts (for tests) */
    static synchronized Map<Integer, Integer> inUse() {
        Map<Integer, Integer> out = new HashMap<>();
        IN_USE.forEach((n, s) -> out.put(n, s.leases));
        return out;
    }
}
