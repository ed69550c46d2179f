package io.sluice.transport.internal;

import io.sluice.transport.StreamServerBuilder;
import io.sluice.transport.auth.AuthOptions;
import io.sluice.transport.auth.SinkToken;
import io.sluice.transport.auth.TokenAuthenticator;
import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.Role;
import io.sluice.transport.tls.TlsOptions;

/**
 * The {@code tls} and {@code auth} YAML groups of the endpoint types that run over TCP: adds them to a
 * type's schema and hands their values to a builder. File names arrive resolved against the
 * configuration file's directory (the gateway does that when it validates them).
 */
public final class SecurityOptions {

    private SecurityOptions() {
    }

    /**
     * @param type an endpoint type being declared
     * @param tokens whether its source takes bearer tokens and its sink sends one ({@code auth})
     * @return the type with the {@code tls} group (both sides) and, if asked, {@code auth} (source:
     *     {@code tokensFile}, sink: {@code tokenFile})
     */
    public static EndpointType.Builder declare(EndpointType.Builder type, boolean tokens) {
        type.option(TlsOptions.tlsOption());
        return tokens ? type.option(TokenAuthenticator.authOption()).option(SinkToken.authOption()) : type;
    }

    /**
     * @param b a builder
     * @param o the endpoint's validated options
     * @param role the side the builder will build
     * @param <B> the builder type
     * @return the builder with the endpoint's TLS and token settings (none when the groups are absent)
     */
    public static <B extends StreamServerBuilder<B>> B apply(B b, EndpointOptions o, Role role) {
        return b.tls(TlsOptions.from(o.group("tls"), role, null))
                .auth(role == Role.SOURCE ? AuthOptions.from(o.group("auth"), null) : null)
                .bearerToken(role == Role.SINK ? SinkToken.from(o.group("auth"), null) : null);
    }
}
