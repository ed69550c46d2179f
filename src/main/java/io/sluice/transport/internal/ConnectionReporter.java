package io.sluice.transport.internal;

import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.TransportMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every transport reports its connections: each call updates {@link TransportMetrics} and
 * publishes the matching event ({@link ConnectionOpened}, {@link ConnectionClosed},
 * {@link ConnectionError}); errors are also logged at WARN, one line each (transport, pipeline,
 * peer, reason with the limit), rate-limited to one line per second per source with the number of
 * lines suppressed; stack traces only at DEBUG. Each error is counted under a
 * {@link TransportMetrics#REASONS reason} derived from its text ({@link #classify}). Thread-safe.
 */
public class ConnectionReporter {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionReporter.class);

    private final String transport;
    private final TransportMetrics metrics;
    private final EventDispatcher events;
    private final RateLimitedLog warnings = new RateLimitedLog(LOG, 1000);

    /**
     * @param transport transport name, as in events and metrics
     * @param events dispatcher, or null for none
     */
    public ConnectionReporter(String transport, EventDispatcher events) {
        this(transport, new TransportMetrics(transport), events);
    }

    /**
     * @param transport transport name, as in events
     * @param metrics counters to update
     * @param events dispatcher, or null for none
     */
    public ConnectionReporter(String transport, TransportMetrics metrics, EventDispatcher events) {
        this.transport = transport;
        this.metrics = metrics;
        this.events = events;
    }

    /** @return the transport name */
    public final String transport() {
        return transport;
    }

    /** @return the counters this reporter updates */
    public final TransportMetrics metrics() {
        return metrics;
    }

    /** @param remote the peer of a connection that opened */
    public void opened(String remote) {
        metrics.connectionOpened();
        publish(new ConnectionOpened(transport, remote));
    }

    /** @param remote the peer of a connection that closed */
    public void closed(String remote) {
        closed(remote, ConnectionClosed.CLOSED);
    }

    /**
     * @param remote the peer of a connection that closed
     * @param reason {@link ConnectionClosed#CLOSED}, or one of {@link TransportMetrics#CLOSE_REASONS}
     *               (then also counted by reason)
     */
    public void closed(String remote, String reason) {
        metrics.connectionClosed();
        if (TransportMetrics.CLOSE_REASONS.contains(reason)) {
            metrics.closedFor(reason);
        }
        publish(new ConnectionClosed(transport, remote, reason));
    }

    /**
     * Counts an error, logs it at WARN and publishes a {@link ConnectionError}.
     *
     * @param remote the peer (or the target of a client)
     * @param reason plain-language reason
     * @param cause the failure, or null
     */
    public void error(String remote, String reason, Throwable cause) {
        metrics.error(classify(reason));
        String pipeline = metrics.pipeline();
        warnings.warn(transport + " source" + (pipeline.isEmpty() ? "" : " of pipeline '" + pipeline + "'")
                + ": peer " + remote + ": " + reason);
        if (cause != null && LOG.isDebugEnabled()) {
            LOG.debug("{}: {}: {}", transport, remote, reason, cause);
        }
        publish(new ConnectionError(transport, remote, reason, cause));
    }

    /**
     * The {@link TransportMetrics#REASONS reason} label of an error, from its plain-language text.
     *
     * @param text the reason as reported
     * @return one of {@link TransportMetrics#REASONS}
     */
    public static String classify(String text) {
        String t = text == null ? "" : text.toLowerCase(java.util.Locale.ROOT);
        if (t.contains("connection limit") || t.contains("maxconnections")) {
            return "limit";
        }
        if (t.contains("too large") || t.contains("too long") || t.contains("1009") || t.contains("exceed")
                || t.contains("413")) {
            return "too_large";
        }
        if (t.contains("tls") || t.contains("ssl") || t.contains("handshake")) {
            return "tls";
        }
        if (t.contains("auth") || t.contains("token")) {
            return "auth";
        }
        if (t.contains("503") || t.contains("cannot accept") || t.contains("shutting down")) {
            return "unavailable";
        }
        if (t.contains("malformed") || t.contains("garbage") || t.contains("protocol") || t.contains("preface")
                || t.contains("decode") || t.contains("bad ") || t.contains("invalid") || t.contains("505")
                || t.contains("400") || t.contains("404") || t.contains("405") || t.contains("truncated")
                || t.contains("expected") || t.contains("header")) {
            return "malformed";
        }
        if (t.contains("closed") || t.contains("incomplete") || t.contains("mid-") || t.contains("reset")
                || t.contains("abnormal")) {
            return "disconnected";
        }
        return "other";
    }

    /**
     * Counts an error and publishes a {@link ConnectionError} without logging (the caller logs,
     * e.g. rate-limited).
     *
     * @param remote the peer
     * @param reason plain-language reason
     * @param cause the failure, or null
     */
    public void errorUnlogged(String remote, String reason, Throwable cause) {
        metrics.error(classify(reason));
        publish(new ConnectionError(transport, remote, reason, cause));
    }

    /** @param event an event to publish when a dispatcher is configured */
    public final void publish(Object event) {
        TransportSupport.publish(events, event);
    }
}
