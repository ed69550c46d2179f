package io.sluice.event;

/**
 * A transport connection (or stream) closed.
 *
 * @param transport transport name
 * @param remote remote address as text
 * @param reason {@link #CLOSED} (the peer or the source closed it), or why the source closed a
 *               connection that broke a liveness limit: {@code idle} (nothing read for
 *               {@code idleTimeout}), {@code keepalive} (no answer to keepalive pings),
 *               {@code header_timeout} or {@code body_timeout} (HTTP)
 */
public record ConnectionClosed(String transport, String remote, String reason) implements SluiceEvent {

    /** The reason of an ordinary close. */
    public static final String CLOSED = "closed";

    /** Defaults a missing reason to {@link #CLOSED}. */
    public ConnectionClosed {
        reason = reason == null ? CLOSED : reason;
    }

    /**
     * An ordinary close.
     *
     * @param transport transport name
     * @param remote remote address as text
     */
    public ConnectionClosed(String transport, String remote) {
        this(transport, remote, CLOSED);
    }
}
