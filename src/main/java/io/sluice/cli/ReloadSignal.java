package io.sluice.cli;

import io.sluice.transport.auth.ServerSecurity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGHUP makes {@code sluice run} re-read the certificate, key and token files of every bound
 * source at once ({@link ServerSecurity#reloadAll()}), without waiting for the periodic check. New
 * connections get the new material; open connections are not cut. A file that does not load keeps
 * the old material, with an ERROR naming it.
 */
final class ReloadSignal {

    private static final Logger LOG = LoggerFactory.getLogger(ReloadSignal.class);

    private ReloadSignal() {
    }

    /** Installs the handler; where the platform has no SIGHUP, logs at DEBUG and does nothing. */
    static void install() {
        try {
            sun.misc.SignalHandler previous = Signal.handle(new Signal("HUP"), s -> {
                int n = ServerSecurity.reloadAll();
                LOG.info("SIGHUP: re-read the certificate and token files of {} source(s)", n);
            });
            if (previous == sun.misc.SignalHandler.SIG_IGN) {
                // HotSpot leaves a shutdown signal that was ignored when the JVM started (nohup) ignored
                LOG.warn("SIGHUP is ignored by this process (started under nohup?): kill -HUP will not re-read"
                        + " certificate and token files; they are still re-read every reloadInterval");
            } else {
                LOG.info("SIGHUP handler installed: kill -HUP re-reads every bound source's certificate and token files");
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.debug("no SIGHUP handler: {}", e.toString());
        }
    }
}
