package io.sluice.gateway;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets SIGTERM or Ctrl-C end a gateway process gracefully. The JVM's shutdown hook only wakes the
 * thread that runs the gateway (counts {@code stop} down) and then waits, at most {@code wait}, for
 * that thread to drain, print its summary and call {@link #finish(int)}; it then ends the JVM with that
 * exit code. A hook that just returned would let the JVM halt in the middle of the drain, before the
 * summary. When the run ends on its own, {@link #finish(int)} removes the hook.
 */
public final class ShutdownHook {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownHook.class);

    private final Thread thread;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile int exitCode;

    private ShutdownHook(String name, CountDownLatch stop, Duration wait) {
        this.thread = new Thread(() -> {
            stop.countDown();
            try {
                if (finished.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                    Runtime.getRuntime().halt(exitCode);
                }
                LOG.warn("{}: no summary within {}; exiting anyway", name, wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
    }

    /**
     * Registers the hook.
     *
     * @param name the hook thread's name, also used in its log line
     * @param stop counted down when the JVM is asked to stop
     * @param wait how long the hook waits for {@link #finish(int)} before letting the JVM exit anyway
     * @return the installed hook
     */
    public static ShutdownHook install(String name, CountDownLatch stop, Duration wait) {
        ShutdownHook hook = new ShutdownHook(name, stop, wait);
        Runtime.getRuntime().addShutdownHook(hook.thread);
        return hook;
    }

    /**
     * The run is over (drained, summary printed): removes the hook, or, when a signal arrived, lets the
     * waiting hook end the JVM with {@code exitCode}.
     *
     * @param exitCode the process's exit code
     */
    public void finish(int exitCode) {
        this.exitCode = exitCode;
        try {
            Runtime.getRuntime().removeShutdownHook(thread);
        } catch (IllegalStateException shuttingDown) {
            // a signal arrived: the hook is waiting for this and ends the JVM
        }
        finished.countDown();
    }
}
