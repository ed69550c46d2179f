package io.sluice.transport.rsocket;

import io.rsocket.RSocket;
import io.rsocket.util.DefaultPayload;
import io.sluice.Message;
import io.sluice.transport.auth.SinkToken;
import io.sluice.transport.tls.ClientTls;
import io.sluice.transport.tls.TlsContext;
import io.sluice.transport.tls.TlsOptions;
import io.sluice.transport.internal.ConnectionReporter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The request-stream side of {@link RSocketSource}: connects to a request-stream server (such as
 * an {@link RSocketSink} in {@link RSocketBuilder.Mode#STREAM} mode), sends one
 * {@code REQUEST_STREAM} and emits what arrives. Demand is forwarded in batches of
 * {@code prefetch} ({@code limitRate}), which rsocket-java sends as {@code REQUEST_N}: a slow
 * pipeline slows the server. Cancelling the flux cancels the stream and closes the connection;
 * a connection failure errors the flux. With TLS settings (role sink: {@code ca}, hostname check,
 * optional client certificate) it connects over TLS; with a bearer token it sends it in the SETUP frame.
 */
final class StreamClient {
    private final String host;
    private final int port;
    private final boolean webSocket;
    private final int prefetch;
    private final int maxMessageSize;
    private final ConnectionReporter reporter;
    private final TlsOptions tls;
    private final SinkToken token;

    StreamClient(RSocketBuilder b, ConnectionReporter reporter) {
        this.host = b.host();
        this.port = b.port();
        this.webSocket = b.webSocket;
        this.prefetch = b.prefetch;
        this.maxMessageSize = b.maxMessageSize;
        this.reporter = reporter;
        ClientTls.check(b.tls()); // roles swapped: the source dials, so its TLS settings are a client's
        this.tls = b.tls();
        this.token = b.bearerToken();
    }

    Flux<Message> flux() {
        if (tls == null) {
            return flux(null);
        }
        return Flux.using(() -> TlsContext.open(tls, "rsocket request-stream source " + host + ":" + port),
                this::flux, TlsContext::close);
    }

    private Flux<Message> flux(TlsContext ctx) {
        String remote = host + ":" + port;
        Mono<RSocket> connect = Endpoints.connect(host, port, webSocket, maxMessageSize, ctx, token)
                .doOnNext(r -> reporter.opened(remote))
                .onErrorMap(e -> new IllegalStateException("rsocket request-stream source: cannot connect to "
                        + remote + ": " + e.getMessage(), e));
        return Flux.usingWhen(connect,
                        r -> r.requestStream(DefaultPayload.create(new byte[0]))
                                .limitRate(prefetch)
                                .map(p -> {
                                    Message m = Payloads.toMessage(p, maxMessageSize);
                                    reporter.metrics().message(m.size());
                                    return m;
                                }),
                        r -> close(r, remote), (r, e) -> close(r, remote), r -> close(r, remote))
                .doOnError(e -> reporter.error(remote, String.valueOf(e.getMessage()), e));
    }

    private Mono<Void> close(RSocket r, String remote) {
        return Endpoints.close(r, remote, reporter);
    }
}
