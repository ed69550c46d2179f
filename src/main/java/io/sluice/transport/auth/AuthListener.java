package io.sluice.transport.auth;

import java.net.SocketAddress;

/**
 * Told about every refused client, so a transport can count it
 * ({@code sluice_transport_errors_total{reason="auth"}}) and log it once with the peer address. The
 * reason never contains the token.
 */
@FunctionalInterface
public interface AuthListener {

    /** Ignores refusals. */
    AuthListener NONE = (reason, peer) -> { };

    /**
     * @param reason why, e.g. {@code "missing bearer token"} or {@code "unknown bearer token"}
     * @param peer the client's address, or null when unknown
     */
    void refused(String reason, SocketAddress peer);
}
