package io.sluice.transport.auth;

import io.grpc.ServerInterceptor;
import io.netty.channel.Channel;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.rsocket.SocketAcceptor;
import io.sluice.transport.tls.PeerIdentity;
import io.sluice.transport.tls.TlsContext;
import io.sluice.transport.tls.TlsHandshakeFailures;
import io.sluice.transport.tls.TlsOptions;
import java.net.SocketAddress;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.netty.http.server.HttpServer;
import reactor.netty.tcp.TcpServer;

/**
 * The TLS and token side of one bound server source, opened when it binds and closed when it
 * unbinds: applies TLS to its reactor-netty or gRPC server, reports every failed TLS handshake and
 * every refused token to {@link Refusals} (the transport counts them as {@code reason="tls"} /
 * {@code "auth"} and logs one line with the peer address, never a token), and names the client of a
 * connection or request: the token's name, else the client certificate's ({@link PeerIdentity#name()}).
 * {@link #NONE} is a plaintext, unauthenticated server.
 */
public final class ServerSecurity implements AutoCloseable {

    /** Told about each refused client. */
    @FunctionalInterface
    public interface Refusals {
        /**
         * @param peer the client's address, or null when unknown
         * @param reason why, one line, e.g. {@code "TLS handshake failed: ..."}, {@code "authentication failed: ..."}
         * @param cause the failure, or null
         */
        void refused(SocketAddress peer, String reason, Throwable cause);
    }

    /** Who a request or connection is, or that it is refused. */
    public record Verdict(boolean accepted, String identity) {
        static final Verdict REFUSED = new Verdict(false, null);
    }

    /** The message header that names the authenticated client. */
    public static final String CLIENT_HEADER = "client";

    /** Neither TLS nor tokens. */
    public static final ServerSecurity NONE = new ServerSecurity(null, null, (p, r, c) -> { });

    /** Every open, non-{@link #NONE} instance, for {@link #reloadAll()} (SIGHUP). */
    private static final java.util.Set<ServerSecurity> OPEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final TlsContext tls;
    private final TokenAuthenticator tokens;
    private final Refusals refusals;

    private ServerSecurity(TlsContext tls, TokenAuthenticator tokens, Refusals refusals) {
        this.tls = tls;
        this.tokens = tokens;
        this.refusals = refusals;
    }

    /**
     * Re-reads the certificate and token files of every bound source in this process now (the
     * CLI's SIGHUP handler). A bad new file keeps the old material, with an ERROR, as a change
     * noticed by the periodic check does.
     *
     * @return how many sources re-read their files
     */
    public static int reloadAll() {
        int n = 0;
        for (ServerSecurity s : OPEN) {
            s.reload();
            n++;
        }
        return n;
    }

    /**
     * Reads the files (certificates, tokens) and starts watching them.
     *
     * @param tls TLS settings (role source), or null for plaintext
     * @param auth token settings, or null for no tokens
     * @param what the endpoint, for log lines
     * @param refusals told about refused clients
     * @return the security, {@link #NONE} when both are null
     * @throws IllegalArgumentException naming the file when one is missing or unusable
     */
    public static ServerSecurity open(TlsOptions tls, AuthOptions auth, String what, Refusals refusals) {
        if (tls == null && auth == null) {
            return NONE;
        }
        TlsContext t = tls == null ? null : TlsContext.open(tls, what);
        try {
            TokenAuthenticator a = auth == null ? null
                    : TokenAuthenticator.open(auth.tokensFile(), auth.reloadInterval(), what);
            ServerSecurity s = new ServerSecurity(t, a, refusals);
            OPEN.add(s);
            return s;
        } catch (RuntimeException e) {
            if (t != null) {
                t.close();
            }
            throw e;
        }
    }

    /** @return the TLS context, or null when the server is plaintext */
    public TlsContext tls() {
        return tls;
    }

    /** @return whether clients must present a bearer token */
    public boolean requiresToken() {
        return tokens != null;
    }

    /**
     * @param server a reactor-netty TCP server
     * @return it with TLS and handshake-failure reporting, or unchanged without TLS
     */
    public TcpServer secure(TcpServer server) {
        return tls == null ? server : server.secure(tls.sslSpec()).doOnChannelInit(
                (o, ch, a) -> TlsHandshakeFailures.install(ch.pipeline(), this::handshakeFailed));
    }

    /**
     * @param server a reactor-netty HTTP server (HTTP, WebSocket)
     * @return it with TLS and handshake-failure reporting, or unchanged without TLS
     */
    public HttpServer secure(HttpServer server) {
        return tls == null ? server : server.secure(tls.sslSpec()).doOnChannelInit(
                (o, ch, a) -> TlsHandshakeFailures.install(ch.pipeline(), this::handshakeFailed));
    }

    /**
     * Reports a failed TLS handshake (counted {@code tls}, logged once without what the peer sent); for
     * servers whose pipeline this class does not build (gRPC's shaded Netty).
     *
     * @param peer the client's address
     * @param cause why the handshake failed
     */
    public void handshakeFailed(SocketAddress peer, Throwable cause) {
        refusals.refused(peer, "TLS handshake failed: " + describe(cause), cause);
    }

    /**
     * The reason of a failed handshake, without echoing what the peer sent (a plaintext client's
     * bytes, which Netty puts in its message, may hold a token).
     */
    static String describe(Throwable cause) {
        Throwable c = cause;
        while (c.getCause() != null && !notTls(c)) {
            c = c.getCause();
        }
        if (notTls(c) || notTls(cause)) {
            return "not a TLS record (a plaintext client?)";
        }
        String m = c.getMessage();
        if (m == null) {
            return c.getClass().getSimpleName();
        }
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }

    /** Netty's, or grpc-netty-shaded's copy of it (whose message also dumps the peer's bytes). */
    private static boolean notTls(Throwable t) {
        return t instanceof NotSslRecordException || "NotSslRecordException".equals(t.getClass().getSimpleName());
    }

    /**
     * @param channel a reactor-netty connection's channel (an HTTP/2 stream's parent carries the TLS)
     * @return the client certificate's identity, or null without TLS or without a client certificate
     */
    public String certificateIdentity(Channel channel) {
        if (tls == null || channel == null) {
            return null;
        }
        Channel ch = channel.pipeline().get(SslHandler.class) != null || channel.parent() == null ? channel
                : channel.parent();
        return PeerIdentity.from(ch).map(PeerIdentity::name).orElse(null);
    }

    /**
     * Authenticates an HTTP request or WebSocket upgrade; a refusal is reported.
     *
     * @param authorization the {@code Authorization} header, or null
     * @param channel the connection's channel (for the certificate identity)
     * @param peer the client's address
     * @return accepted with the token's name (or the certificate's, or null without either), or refused
     */
    public Verdict authenticate(CharSequence authorization, Channel channel, SocketAddress peer) {
        if (tokens == null) {
            return new Verdict(true, certificateIdentity(channel));
        }
        return tokens.authenticateHeader(authorization).map(id -> new Verdict(true, id)).orElseGet(() -> {
            refusals.refused(peer, "authentication failed: " + (authorization == null ? "missing bearer token"
                    : "unknown or malformed bearer token"), null);
            return Verdict.REFUSED;
        });
    }

    /**
     * @param forIdentity makes the acceptor of an authenticated connection (identity: the token's name,
     *     else the client certificate's, else null)
     * @param peer names the connection being set up (for the report)
     * @param channel the channel of the connection being set up (for its client certificate), or null
     * @return an acceptor rejecting a SETUP without a known bearer token; without tokens, one naming the
     *     client by its certificate
     */
    public SocketAcceptor rsocketAcceptor(Function<String, SocketAcceptor> forIdentity,
            Supplier<SocketAddress> peer, Supplier<Channel> channel) {
        if (tokens == null) {
            if (tls == null) {
                return forIdentity.apply(null);
            }
            return (setup, sendingSocket) -> forIdentity.apply(certificateIdentity(channel.get()))
                    .accept(setup, sendingSocket);
        }
        return RSocketAuth.acceptor(tokens, (reason, p) -> refusals.refused(p != null ? p : peer.get(),
                "authentication failed: " + reason, null), forIdentity);
    }

    /**
     * @return the gRPC interceptor that checks tokens and names callers ({@link GrpcAuthInterceptor#IDENTITY}),
     *     or null when the server has neither TLS nor tokens; its refusals ({@code UNAUTHENTICATED}) are
     *     left to the call's status to report
     */
    public ServerInterceptor grpcInterceptor() {
        if (tls == null && tokens == null) {
            return null;
        }
        // not reported here: the gRPC source counts and logs every call that ends with a non-OK status,
        // with its peer; UNAUTHENTICATED is counted as reason auth
        return new GrpcAuthInterceptor(tokens, AuthListener.NONE);
    }

    /** Re-reads the certificate and token files now (SIGHUP). */
    public void reload() {
        if (tls != null) {
            tls.reload();
        }
        if (tokens != null) {
            tokens.reload();
        }
    }

    /** Stops watching the files. */
    @Override
    public void close() {
        OPEN.remove(this);
        if (tls != null) {
            tls.close();
        }
        if (tokens != null) {
            tokens.close();
        }
    }
}
