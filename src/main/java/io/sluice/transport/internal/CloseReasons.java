package io.sluice.transport.internal;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.sluice.event.ConnectionClosed;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Why a source closed a connection, kept from the close until the connection is reported closed
 * (by peer address: the transports report peers in different forms, {@code /127.0.0.1:5000} or
 * {@code 127.0.0.1:5000}, so the key is the part after the last {@code /}). Thread-safe.
 */
public final class CloseReasons {

    private static final AttributeKey<String> REASON = AttributeKey.valueOf("sluice.closeReason");

    private final Map<String, String> closing = new ConcurrentHashMap<>();

    /**
     * Remembers {@code reason} for the channel's peer and closes the channel.
     *
     * @param channel the connection
     * @param reason one of {@code TransportMetrics.CLOSE_REASONS}
     */
    public void close(Channel channel, String reason) {
        mark(channel, reason);
        channel.close();
    }

    /**
     * Remembers {@code reason} for the channel's peer; the caller closes the channel.
     *
     * @param channel the connection
     * @param reason one of {@code TransportMetrics.CLOSE_REASONS}
     */
    public void mark(Channel channel, String reason) {
        channel.attr(REASON).set(reason);
        closing.put(key(String.valueOf(channel.remoteAddress())), reason);
    }

    /**
     * Remembers {@code reason} for a peer whose channel the caller does not hold (e.g. rsocket-java
     * closing a connection whose keepalive frames stopped); the caller closes the connection.
     *
     * @param remote the peer, as the transport reports it
     * @param reason one of {@code TransportMetrics.CLOSE_REASONS}
     */
    public void mark(String remote, String reason) {
        closing.put(key(remote), reason);
    }

    /**
     * @param channel a connection
     * @return why the source closed it, or null when it did not close it for a liveness limit
     */
    public static String of(Channel channel) {
        return channel.attr(REASON).get();
    }

    /**
     * @param remote a peer, as the transport reports it
     * @return why the source is closing its connection, or null when it is not
     */
    public String peek(String remote) {
        return closing.get(key(remote));
    }

    /**
     * @param remote a peer whose connection closed, as the transport reports it
     * @return the reason, {@link ConnectionClosed#CLOSED} when the source did not close it for one
     */
    public String take(String remote) {
        String r = closing.remove(key(remote));
        return r == null ? ConnectionClosed.CLOSED : r;
    }

    private static String key(String remote) {
        return remote.substring(remote.lastIndexOf('/') + 1);
    }
}
