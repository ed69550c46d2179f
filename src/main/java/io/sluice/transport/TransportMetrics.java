package io.sluice.transport;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters every transport keeps: messages and bytes, connections, errors, and (for datagram
 * transports) lost, reordered and duplicated messages. Thread-safe; read at any time.
 */
public final class TransportMetrics {

    private final String transport;
    private final LongAdder messages = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder connectionsOpened = new LongAdder();
    private final LongAdder connectionsClosed = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder lost = new LongAdder();
    private final LongAdder reordered = new LongAdder();
    private final LongAdder duplicated = new LongAdder();
    private final Map<String, LongAdder> errorsByReason = new ConcurrentHashMap<>();
    private volatile String pipeline = "";

    /**
     * The values of the {@code reason} label of {@code sluice_transport_errors_total}: bytes that are
     * not the protocol ({@code malformed}), a message or frame over its limit ({@code too_large}), a
     * connection over {@code maxConnections} ({@code limit}), refused because the pipeline had no room
     * or was stopping ({@code unavailable}), {@code tls}, {@code auth}, a peer gone mid-message
     * ({@code disconnected}), anything else ({@code other}).
     */
    public static final List<String> REASONS =
            List.of("malformed", "too_large", "limit", "unavailable", "tls", "auth", "disconnected", "other");

    /**
     * Why a source closed connections that broke a liveness limit, the values of the {@code reason}
     * label of {@code sluice_transport_closed_total}: nothing read for {@code idleTimeout}
     * ({@code idle}), keepalive pings unanswered ({@code keepalive}), HTTP headers or body not
     * complete in time ({@code header_timeout}, {@code body_timeout}).
     */
    public static final List<String> CLOSE_REASONS = List.of("idle", "keepalive", "header_timeout", "body_timeout");

    private final Map<String, LongAdder> closedByReason = new ConcurrentHashMap<>();

    /** @param transport transport name used in reports */
    public TransportMetrics(String transport) {
        this.transport = transport;
    }

    /** @return transport name */
    public String transport() {
        return transport;
    }

    /**
     * Records one message.
     *
     * @param size its payload size in bytes
     */
    public void message(int size) {
        messages.increment();
        bytes.add(size);
    }

    /**
     * Records several messages at once (a transport that delivers in runs counts once per run).
     *
     * @param count how many messages
     * @param totalBytes their payload sizes' sum in bytes
     */
    public void addMessages(long count, long totalBytes) {
        messages.add(count);
        bytes.add(totalBytes);
    }

    /** Records an opened connection. */
    public void connectionOpened() {
        connectionsOpened.increment();
    }

    /** Records a closed connection. */
    public void connectionClosed() {
        connectionsClosed.increment();
    }

    /**
     * Records a connection the source closed because it broke a liveness limit (it is also
     * {@link #connectionClosed() closed}).
     *
     * @param reason one of {@link #CLOSE_REASONS}
     */
    public void closedFor(String reason) {
        closedByReason.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /**
     * @param reason one of {@link #CLOSE_REASONS}
     * @return connections closed for that reason so far
     */
    public long closed(String reason) {
        LongAdder a = closedByReason.get(reason);
        return a == null ? 0 : a.sum();
    }

    /** Records an error of reason {@code other}. */
    public void error() {
        error("other");
    }

    /**
     * Records an error.
     *
     * @param reason one of {@link #REASONS} (anything else is counted as {@code other})
     */
    public void error(String reason) {
        errors.increment();
        errorsByReason.computeIfAbsent(REASONS.contains(reason) ? reason : "other", r -> new LongAdder()).increment();
    }

    /**
     * @param reason one of {@link #REASONS}
     * @return errors counted with that reason
     */
    public long errors(String reason) {
        LongAdder a = errorsByReason.get(reason);
        return a == null ? 0 : a.sum();
    }

    /**
     * Names the pipeline these counters belong to, for log lines (set by the gateway).
     *
     * @param name pipeline name
     */
    public void pipeline(String name) {
        this.pipeline = name == null ? "" : name;
    }

    /** @return the pipeline name set by {@link #pipeline(String)}, or empty */
    public String pipeline() {
        return pipeline;
    }

    /**
     * Records lost messages (e.g. gaps in datagram sequence numbers), or with a negative {@code n}
     * takes back messages counted lost that arrived after all (a transport takes back only what it
     * counted, so {@link #lost()} never goes below 0).
     *
     * @param n how many
     */
    public void lost(long n) {
        lost.add(n);
    }

    /** Records a message that arrived out of order. */
    public void reorderedOne() {
        reordered.increment();
    }

    /** Records a message that arrived again (e.g. a datagram sequence number already received). */
    public void duplicatedOne() {
        duplicated.increment();
    }

    /** @return messages counted */
    public long messages() {
        return messages.sum();
    }

    /** @return payload bytes counted */
    public long bytes() {
        return bytes.sum();
    }

    /** @return connections opened */
    public long connectionsOpened() {
        return connectionsOpened.sum();
    }

    /** @return connections closed */
    public long connectionsClosed() {
        return connectionsClosed.sum();
    }

    /** @return connections currently open */
    public long connectionsActive() {
        return connectionsOpened.sum() - connectionsClosed.sum();
    }

    /** @return errors counted */
    public long errors() {
        return errors.sum();
    }

    /** @return messages detected as lost */
    public long lost() {
        return lost.sum();
    }

    /** @return messages detected as reordered */
    public long reordered() {
        return reordered.sum();
    }

    /** @return messages detected as duplicates (also counted in {@link #messages()}: they were emitted) */
    public long duplicated() {
        return duplicated.sum();
    }

    @Override
    public String toString() {
        return transport + "{messages=" + messages() + ", bytes=" + bytes() + ", connections=" + connectionsActive()
                + ", errors=" + errors() + ", lost=" + lost() + ", reordered=" + reordered()
                + ", duplicated=" + duplicated() + '}';
    }
}
