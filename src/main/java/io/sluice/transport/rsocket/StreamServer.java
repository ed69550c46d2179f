package io.sluice.transport.rsocket;

import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.sluice.Message;
import io.sluice.transport.TransportMetrics;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The request-stream side of {@link RSocketSink}: a server that answers every
 * {@code REQUEST_STREAM} with the written messages.
 *
 * <p>Broadcast, lossless: the input is shared with {@code publish(prefetch)}, connected when the
 * first subscriber arrives, so every subscriber present receives every later message, and the
 * input is requested only as fast as the slowest subscriber's {@code REQUEST_N} allows (at most
 * {@code prefetch} messages wait in the shared buffer). With no subscriber, nothing is requested.
 * The write completes once the input completed and every subscriber's stream ended; then the
 * server closes.
 */
final class StreamServer {
    private final String host;
    private final int port;
    private final boolean webSocket;
    private final int prefetch;
    private final int maxMessageSize;
    private final TransportMetrics metrics;
    private final Consumer<Object> events;
    private final AtomicReference<Sinks.One<InetSocketAddress>> bound = new AtomicReference<>(Sinks.one());

    StreamServer(RSocketBuilder b, TransportMetrics metrics, Consumer<Object> events) {
        this.host = b.host;
        this.port = b.port;
        this.webSocket = b.webSocket;
        this.prefetch = b.prefetch;
        this.maxMessageSize = b.maxMessageSize;
        this.metrics = metrics;
        this.events = events;
    }

    Mono<InetSocketAddress> boundAddress() {
        return Mono.defer(() -> bound.get().asMono());
    }

    Mono<Void> serve(Flux<Message> elements) {
        return Mono.defer(() -> {
            Sinks.One<InetSocketAddress> addr = bound.get();
            Streams streams = new Streams();
            Flux<Message> shared = elements
                    .doOnComplete(streams::inputDone)
                    .doOnError(streams.finished::tryEmitError)
                    .publish(prefetch)
                    .autoConnect(1);
            SocketAcceptor acceptor = (setup, peer) -> {
                return Mono.just(new RSocket() {
                    @Override
                    public Flux<Payload> requestStream(Payload request) {
                        request.release();
                        streams.opened();
                        return shared.map(m -> {
                            metrics.message(m.size());
                            return Payloads.toPayload(m);
                        }).doFinally(s -> streams.closed());
                    }
                });
            };
            return Mono.usingWhen(Endpoints.server(acceptor, maxMessageSize, metrics, events)
                            .bind(Endpoints.server(host, port, webSocket, maxMessageSize, metrics, events)),
                    server -> {
                        addr.tryEmitValue(server.address());
                        return streams.finished.asMono();
                    },
                    server -> close(server, addr),
                    (server, e) -> close(server, addr),
                    server -> close(server, addr));
        });
    }

    private Mono<Void> close(CloseableChannel server, Sinks.One<InetSocketAddress> addr) {
        return Endpoints.close(server, bound, addr);
    }

    /** Counts open streams; finished once the input completed and none is open. */
    private static final class Streams {
        final Sinks.Empty<Void> finished = Sinks.empty();
        private int open;
        private boolean inputDone;

        synchronized void opened() {
            open++;
        }

        synchronized void closed() {
            open--;
            check();
        }

        synchronized void inputDone() {
            inputDone = true;
            check();
        }

        private void check() {
            if (inputDone && open == 0) {
                finished.tryEmitEmpty();
            }
        }
    }
}
