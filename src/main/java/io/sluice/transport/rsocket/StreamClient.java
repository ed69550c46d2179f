package io.sluice.transport.rsocket;

import io.rsocket.RSocket;
import io.rsocket.util.DefaultPayload;
import io.sluice.Message;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.transport.TransportMetrics;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The request-stream side of {@link RSocketSource}: connects to a request-stream server (such as
 * an {@link RSocketSink} in {@link RSocketBuilder.Mode#STREAM} mode), sends one
 * {@code REQUEST_STREAM} and emits what arrives. Demand is forwarded in batches of
 * {@code prefetch} ({@code limitRate}), which rsocket-java sends as {@code REQUEST_N}: a slow
 * pipeline slows the server. Cancelling the flux cancels the stream and closes the connection;
 * a connection failure errors the flux.
 */
final class StreamClient {
    private final String host;
    private final int port;
    private final boolean webSocket;
    private final int prefetch;
    private final int maxMessageSize;
    private final TransportMetrics metrics;
    private final Consumer<Object> events;

    StreamClient(RSocketBuilder b, TransportMetrics metrics, Consumer<Object> events) {
        this.host = b.host;
        this.port = b.port;
        this.webSocket = b.webSocket;
        this.prefetch = b.prefetch;
        this.maxMessageSize = b.maxMessageSize;
        this.metrics = metrics;
        this.events = events;
    }

    Flux<Message> flux() {
        String remote = host + ":" + port;
        Mono<RSocket> connect = Endpoints.connect(host, port, webSocket, maxMessageSize)
                .doOnNext(r -> {
                    metrics.connectionOpened();
                    events.accept(new ConnectionOpened(RSocketSource.NAME, remote));
                })
                .onErrorMap(e -> new IllegalStateException("rsocket request-stream source: cannot connect to "
                        + remote + ": " + e.getMessage(), e));
        return Flux.usingWhen(connect,
                        r -> r.requestStream(DefaultPayload.create(new byte[0]))
                                .limitRate(prefetch)
                                .map(p -> {
                                    Message m = Payloads.toMessage(p, maxMessageSize);
                                    metrics.message(m.size());
                                    return m;
                                }),
                        r -> close(r, remote), (r, e) -> close(r, remote), r -> close(r, remote))
                .doOnError(e -> {
                    metrics.error();
                    events.accept(new ConnectionError(RSocketSource.NAME, remote, String.valueOf(e.getMessage()), e));
                });
    }

    private Mono<Void> close(RSocket r, String remote) {
        return Endpoints.close(r, remote, metrics, events);
    }
}
