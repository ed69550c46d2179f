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
 * {@link ConnectionError}); errors are also logged at WARN, one line each. Thread-safe.
 */
public class ConnectionReporter {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionReporter.class);

    private final String transport;
    private final TransportMetrics metrics;
    private final EventDispatcher events;

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
        metrics.connectionClosed();
        publish(new ConnectionClosed(transport, remote));
    }

    /**
     * Counts an error, logs it at WARN and publishes a {@link ConnectionError}.
     *
     * @param remote the peer (or the target of a client)
     * @param reason plain-language reason
     * @param cause the failure, or null
     */
    public void error(String remote, String reason, Throwable cause) {
        metrics.error();
        LOG.warn("{}: {}: {}", transport, remote, reason);
        publish(new ConnectionError(transport, remote, reason, cause));
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
        metrics.error();
        publish(new ConnectionError(transport, remote, reason, cause));
    }

    /** @param event an event to publish when a dispatcher is configured */
    public final void publish(Object event) {
        TransportSupport.publish(events, event);
    }
}
