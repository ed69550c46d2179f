package io.sluice.transport.rsocket;

import io.rsocket.Payload;
import io.rsocket.RSocket;
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
 *
 * <p>With TLS settings (role source: {@code cert}, {@code key}, optional {@code clientCa}) the server
 * speaks only TLS; with {@code clientCa} the subscriber's certificate is required. Tokens
 * ({@code auth}) are checked in the subscriber's SETUP frame as by the source.
 */
final class StreamServer {
    private final ServerBinding.Listen listen;
    private final int prefetch;
    private final ServerSkeleton skeleton;

    StreamServer(RSocketBuilder b, TransportMetrics metrics) {
        this.listen = ServerBinding.Listen.of(b);
        this.prefetch = b.prefetch;
        // roles swapped: the sink serves, so its TLS settings are a server's (certificate, clientCa)
        this.skeleton = new ServerSkeleton(RSocketSource.NAME, metrics, b.events(), Integer.MAX_VALUE)
                .secure(b.tls(), b.auth());
    }

    Mono<InetSocketAddress> boundAddress() {
        return skeleton.boundAddress();
    }

    Mono<Void> serve(Flux<Message> elements) {
        return skeleton.serve(b -> new Binding(b, elements)).then();
    }

    /** One write: the server, and the input shared by every subscriber's stream. */
    private final class Binding extends ServerBinding {
        private final Streams streams = new Streams();
        private final Flux<Message> shared;

        Binding(ServerSkeleton.Binding b, Flux<Message> elements) {
            super(b, listen);
            this.shared = elements
                    .doOnComplete(streams::inputDone)
                    .doOnError(streams.finished::tryEmitError)
                    .publish(prefetch)
                    .autoConnect(1);
        }

        @Override
        RSocket responder(String remote, String client) {
            return new RSocket() {
                @Override
                public Flux<Payload> requestStream(Payload request) {
                    request.release();
                    streams.opened();
                    return shared.map(m -> {
                        binding.metrics().message(m.size());
                        return Payloads.toPayload(m);
                    }).doFinally(s -> streams.closed());
                }
            };
        }

        @Override
        public Flux<Message> messages(CloseableChannel server) {
            return streams.finished.asMono().thenMany(Flux.empty());
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
