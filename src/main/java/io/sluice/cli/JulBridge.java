package io.sluice.cli;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Routes java.util.logging (used by grpc-java and a few other libraries) to SLF4J, so that the
 * whole process logs in one format through one configuration, and keeps grpc-java's INFO-level
 * connection traces out of the log (at WARNING and above they still pass). The CLI and the demo
 * call {@link #install()} first thing; a library user who wants the same does it in their own
 * entry point:
 * <pre>{@code
 * SLF4JBridgeHandler.removeHandlersForRootLogger();
 * SLF4JBridgeHandler.install();   // org.slf4j:jul-to-slf4j
 * }</pre>
 */
public final class JulBridge {

    /** Held so that the level set on it is not lost (java.util.logging keeps loggers weakly). */
    private static final Logger GRPC = Logger.getLogger("io.grpc");

    private JulBridge() {
    }

    /** Installs the bridge once; later calls do nothing. */
    public static synchronized void install() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
        GRPC.setLevel(Level.WARNING);
    }
}
