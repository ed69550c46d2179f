package io.sluice.transport.auth;

import java.util.Optional;

/** Reads the token out of an {@code Authorization: Bearer <token>} value (RFC 6750 section 2.1). */
public final class BearerTokens {

    private static final String SCHEME = "bearer";

    /** The {@code WWW-Authenticate} value to send with a 401 (RFC 6750 section 3). */
    public static final String CHALLENGE = "Bearer realm=\"sluice\"";

    private BearerTokens() {
    }

    /**
     * @param authorization the header value (HTTP and WebSocket handshake {@code Authorization}, gRPC
     *     {@code authorization} metadata), or null
     * @return the token, or empty when the value is absent, of another scheme, or has no token
     */
    public static Optional<String> fromAuthorization(CharSequence authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        String v = authorization.toString().strip();
        if (v.length() <= SCHEME.length() || !v.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
                || !Character.isWhitespace(v.charAt(SCHEME.length()))) {
            return Optional.empty();
        }
        String token = v.substring(SCHEME.length()).strip();
        return token.isEmpty() || token.indexOf(' ') >= 0 ? Optional.empty() : Optional.of(token);
    }

    /**
     * @param token a token
     * @return the header value presenting it
     */
    public static String header(String token) {
        return "Bearer " + token;
    }
}
