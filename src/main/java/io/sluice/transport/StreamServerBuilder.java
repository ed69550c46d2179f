package io.sluice.transport;

import io.sluice.transport.auth.AuthOptions;
import io.sluice.transport.auth.SinkToken;
import io.sluice.transport.internal.Checks;
import io.sluice.transport.tls.TlsOptions;
import java.time.Duration;

/**
 * A {@link TransportBuilder} of a connection-oriented server source, which serves at most
 * {@link #maxConnections(int) maxConnections} connections at once: one more is refused at once
 * (closed; answered 503 by WebSocket; its calls failed with {@code UNAVAILABLE} by gRPC) and reported as a {@code ConnectionError} ("connection
 * limit reached"), counted in {@link TransportMetrics#errors()}; nothing it sent is read.
 *
 * @param <B> the concrete builder
 */
public abstract class StreamServerBuilder<B extends StreamServerBuilder<B>> extends TransportBuilder<B> {

    private int maxConnections;
    private TlsOptions tls;
    private AuthOptions auth;
    private SinkToken bearerToken;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;

    /** Default {@link #idleTimeout(Duration)}: 5 minutes. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);

    /** @param defaultMaxConnections the transport's default bound, at least 1 */
    protected StreamServerBuilder(int defaultMaxConnections) {
        this.maxConnections = Checks.atLeast("maxConnections", defaultMaxConnections, 1);
    }

    /**
     * @param max connections a source serves at once, at least 1; further connections are
     *            refused with a {@code ConnectionError} event
     * @return this
     */
    public B maxConnections(int max) {
        this.maxConnections = Checks.atLeast("maxConnections", max, 1);
        return self();
    }

    /** @return the configured connection bound */
    public final int maxConnections() {
        return maxConnections;
    }

    /**
     * TLS for the source (role source: its certificate, and {@code clientCa} to require client
     * certificates) or the sink (role sink: the CA to trust, hostname verification, an optional client
     * certificate). The files are read when the source binds or the sink connects.
     *
     * @param options the TLS settings, or null for plaintext (the default)
     * @return this
     */
    public B tls(TlsOptions options) {
        this.tls = options;
        return self();
    }

    /** @return the TLS settings, or null */
    public final TlsOptions tls() {
        return tls;
    }

    /**
     * Bearer tokens a source requires (HTTP, WebSocket, gRPC, RSocket); the token's name becomes the
     * {@code client} header of each message.
     *
     * @param options the tokens file, or null for none (the default)
     * @return this
     */
    public B auth(AuthOptions options) {
        this.auth = options;
        return self();
    }

    /** @return the token settings, or null */
    public final AuthOptions auth() {
        return auth;
    }

    /**
     * The bearer token a sink presents (HTTP and WebSocket {@code Authorization}, gRPC
     * {@code authorization} metadata, RSocket SETUP authentication metadata).
     *
     * @param token the token file, or null for none (the default)
     * @return this
     */
    public B bearerToken(SinkToken token) {
        this.bearerToken = token;
        return self();
    }

    /** @return the sink's token, or null */
    public final SinkToken bearerToken() {
        return bearerToken;
    }

    /**
     * @param timeout a source closes a connection from which nothing was read for this long
     *                ({@code ConnectionClosed} with reason {@code idle}, counted); a connection the
     *                source itself does not read (backpressure) is not idle; {@link Duration#ZERO}:
     *                never. Default {@link #DEFAULT_IDLE_TIMEOUT} unless the transport says otherwise.
     * @return this
     */
    public B idleTimeout(Duration timeout) {
        this.idleTimeout = Checks.notNegative("idleTimeout", timeout);
        return self();
    }

    /** @return the configured idle timeout ({@link Duration#ZERO}: none) */
    public final Duration idleTimeout() {
        return idleTimeout;
    }
}
