package io.sluice.transport.rsocket;

import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.sluice.Message;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.ServerSkeleton;
import java.net.InetSocketAddress;
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
    private final ServerSkeleton skeleton;

    StreamServer(RSocketBuilder b, TransportMetrics metrics) {
        this.host = b.host();
        this.port = b.port();
        this.webSocket = b.webSocket;
        this.prefetch = b.prefetch;
        this.maxMessageSize = b.maxMessageSize;
        this.skeleton = new ServerSkeleton(RSocketSource.NAME, metrics, b.events(), Integer.MAX_VALUE);
    }

    Mono<InetSocketAddress> boundAddress() {
        return skeleton.boundAddress();
    }

    Mono<Void> serve(Flux<Message> elements) {
        return skeleton.serve(b -> new Binding(b, elements)).then();
    }

    /** One write: the server, and the input shared by every subscriber's stream. */
    private final class Binding implements ServerSkeleton.Server<CloseableChannel> {
        private final ServerSkeleton.Binding b;
        private final Streams streams = new Streams();
        private final Flux<Message> shared;

        Binding(ServerSkeleton.Binding b, Flux<Message> elements) {
            this.b = b;
            this.shared = elements
                    .doOnComplete(streams::inputDone)
                    .doOnError(streams.finished::tryEmitError)
                    .publish(prefetch)
                    .autoConnect(1);
        }

        @Override
        public Mono<CloseableChannel> bind() {
            SocketAcceptor acceptor = (setup, peer) -> Mono.just(new RSocket() {
                @Override
                public Flux<Payload> requestStream(Payload request) {
                    request.release();
                    streams.opened();
                    return shared.map(m -> {
                        b.metrics().message(m.size());
                        return Payloads.toPayload(m);
                    }).doFinally(s -> streams.closed());
                }
            });
            return Endpoints.server(acceptor, maxMessageSize, b)
                    .bind(Endpoints.server(host, port, webSocket, maxMessageSize, b));
        }

        @Override
        public InetSocketAddress address(CloseableChannel server) {
            return server.address();
        }

        @Override
        public Flux<Message> messages(CloseableChannel server) {
            return streams.finished.asMono().thenMany(Flux.empty());
        }

        @Override
        public Mono<Void> close(CloseableChannel server) {
            server.dispose();
            return server.onClose().onErrorResume(e -> Mono.empty());
        }
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
