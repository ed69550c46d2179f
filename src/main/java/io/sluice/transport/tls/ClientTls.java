package io.sluice.transport.tls;

import io.sluice.transport.spi.Role;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.tcp.TcpClient;

/**
 * TLS for a client sink: one {@link TlsContext} per write (opened when the write starts, so a sink
 * that writes again picks up rotated files; closed when the write ends), applied to reactor-netty's
 * clients. The server's certificate is checked against {@code ca} (the JDK's trust store without it)
 * and, unless {@code verifyHostname} is false, against the host dialled.
 */
public final class ClientTls {

    private ClientTls() {
    }

    /**
     * @param options the sink's TLS settings (role sink), or null for plaintext
     * @param what the sink, for log lines
     * @param body the write, given the context (null without TLS)
     * @param <T> the write's result
     * @return the write, with the context opened around it
     * @throws IllegalArgumentException at once when the settings are for a source
     */
    public static <T> Mono<T> with(TlsOptions options, String what, Function<TlsContext, Mono<T>> body) {
        if (options == null) {
            return body.apply(null);
        }
        check(options);
        return Mono.using(() -> TlsContext.open(options, what), body, TlsContext::close);
    }

    /**
     * @param options a sink's TLS settings, or null
     * @throws IllegalArgumentException when they are a source's
     */
    public static void check(TlsOptions options) {
        if (options != null && options.role() != Role.SINK) {
            throw new IllegalArgumentException("tls: a sink needs client settings (TlsOptions.client(ca)), "
                    + "not a server's");
        }
    }

    /**
     * @param client a TCP client
     * @param tls the write's context, or null
     * @return the client speaking TLS, or unchanged
     */
    public static TcpClient secure(TcpClient client, TlsContext tls) {
        return tls == null ? client : client.secure(tls.sslSpec());
    }

    /**
     * @param client an HTTP client (HTTP, WebSocket)
     * @param tls the write's context, or null
     * @return the client speaking TLS ({@code https}/{@code wss}), or unchanged
     */
    public static HttpClient secure(HttpClient client, TlsContext tls) {
        return tls == null ? client : client.secure(tls.sslSpec());
    }
}
