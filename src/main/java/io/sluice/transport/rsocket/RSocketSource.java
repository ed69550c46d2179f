package io.sluice.transport.rsocket;

import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.exceptions.ApplicationErrorException;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.util.DefaultPayload;
import io.sluice.Message;
import io.sluice.transport.auth.ServerSecurity;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.AwaitedAck;
import io.sluice.transport.internal.ConnectionReporter;
import io.sluice.transport.internal.ServerSkeleton;
import io.sluice.transport.internal.SkeletonSource;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * RSocket server source over TCP or WebSocket. Subscribing to {@link #flux()} binds an rsocket-java
 * server; cancelling or terminating it closes the server. (In {@link RSocketBuilder.Mode#STREAM}
 * mode it is instead a client sending one request-stream: see {@link StreamClient}.)
 *
 * <ul>
 *   <li><b>request-channel</b>: each inbound channel is merged into the flux (bounded concurrency,
 *       per-channel {@code prefetch}); the pipeline's demand is what this source requests from the
 *       channel, and rsocket-java sends it to the peer as {@code REQUEST_N} frames, so a slow
 *       pipeline slows the sender without loss. When the sender completes, the responder answers
 *       one payload with the message count as text, once every message was emitted, and
 *       completes. When the subscription is cancelled or fails before a channel completed, that
 *       channel is answered with an {@code APPLICATION_ERROR} ("receiver stopped"; see
 *       {@link Channels}), as is one opened afterwards: the requester learns that its messages
 *       may not all have been processed (an {@link RSocketSink} in channel mode fails its write,
 *       which a {@link io.sluice.transport.resilience.ResilientSink} retries on a new connection)
 *       instead of waiting forever for demand.</li>
 *   <li><b>fire-and-forget</b>: RSocket has no flow control for these; they are buffered up to
 *       {@code fireAndForgetBuffer} and, beyond that, dropped and counted
 *       ({@link TransportMetrics#lost()}).</li>
 *   <li><b>request-response with metadata</b> (Sluice, routing or composite metadata, as below): one
 *       message. Answered with an empty payload once the pipeline has it: queued in the source
 *       (at most {@code fireAndForgetBuffer} waiting; beyond that the request fails with
 *       {@code REJECTED}), or, when the pipeline has a persistent stage ({@link io.sluice.Ack#AWAITED}),
 *       once its record is durable. A message the stage refuses (full under
 *       {@code whenFull: drop-newest}, failed disk, stopping) or that is not durable within
 *       {@code ackTimeout} fails with an {@code APPLICATION_ERROR} giving the reason; the requester
 *       sends it again (at-least-once).</li>
 *   <li><b>request-response without metadata</b>: a barrier: answered (with the count of
 *       fire-and-forget messages received so far) after every frame sent before it on the
 *       connection was processed; the fire-and-forget sink uses it to complete only once its
 *       messages arrived.</li>
 * </ul>
 * A payload without metadata is a message without headers; one with standard routing or composite
 * metadata too (the route becomes a header): see {@code Payloads}. A payload whose metadata is in
 * none of these formats is counted as an error and reported as a
 * {@code ConnectionError}; it fails that channel only (fire-and-forget: it is skipped).
 */
public final class RSocketSource extends SkeletonSource {

    static final String NAME = "rsocket";

    private final ServerBinding.Listen listen;
    private final int prefetch;
    private final int maxStreams;
    private final int fnfBuffer;
    private final StreamClient streamClient;
    private final Duration ackTimeout;

    RSocketSource(RSocketBuilder b) {
        super(NAME, b);
        this.streamClient = b.mode == RSocketBuilder.Mode.STREAM
                ? new StreamClient(b, new ConnectionReporter(NAME, metrics(), b.events())) : null;
        this.listen = ServerBinding.Listen.of(b);
        this.prefetch = b.prefetch;
        this.maxStreams = b.maxStreams;
        this.fnfBuffer = b.fireAndForgetBuffer;
        this.ackTimeout = AwaitedAck.waitFor(b.ackTimeout);
    }

    /**
     * @return the bound address of the current subscription, once bound; an error in
     *         {@link RSocketBuilder.Mode#STREAM} mode, where the source connects instead
     */
    public Mono<InetSocketAddress> boundAddress() {
        if (streamClient != null) {
            return Mono.error(new IllegalStateException("a request-stream source connects; it does not bind"));
        }
        return super.boundAddress();
    }

    /** @return false in {@link RSocketBuilder.Mode#STREAM} mode, where the source connects */
    @Override
    public boolean binds() {
        return streamClient == null;
    }

    @Override
    public Flux<Message> flux() {
        if (streamClient != null) {
            return streamClient.flux();
        }
        return Flux.deferContextual(ctx -> serve(b -> new Binding(b, AwaitedAck.awaited(ctx))));
    }

    @Override
    protected ServerSkeleton.Server<?> server(ServerSkeleton.Binding b) {
        return new Binding(b, false);
    }

    /** One subscription: the server, its channels merged with bounded concurrency, and the fire-and-forget buffer. */
    private final class Binding extends ServerBinding {
        private final Sinks.Many<Flux<Channels.Delivery>> streams = Sinks.many().unicast().onBackpressureBuffer();
        private final Sinks.Many<Message> fnf = Sinks.many().unicast().onBackpressureBuffer(Queues.<Message>get(fnfBuffer).get());
        private final AtomicLong fnfCount = new AtomicLong();
        private final Requests requests;
        private final Channels channels = new Channels();

        Binding(ServerSkeleton.Binding b, boolean awaitDurable) {
            super(b, listen);
            this.requests = new Requests(fnfBuffer, awaitDurable, ackTimeout);
        }

        @Override
        RSocket responder(String remote, String client) {
            return new Responder(remote, client, binding, streams, fnf, fnfCount, requests, channels);
        }

        @Override
        public Flux<Message> messages(CloseableChannel server) {
            Flux<Message> merged = streams.asFlux().flatMap(f -> f, maxStreams, prefetch)
                    .<Message>handle((d, sink) -> {
                        sink.next(d.message());
                        d.channel().emitted();
                    });
            return Flux.merge(fnf.asFlux(), requests.flux(), merged);
        }

        @Override
        public Mono<Void> close(CloseableChannel server) {
            channels.stop();
            return super.close(server);
        }
    }

    private final class Responder implements RSocket {
        private final String remote;
        private final String client;
        private final ConnectionReporter reporter;
        private final Sinks.Many<Flux<Channels.Delivery>> streams;
        private final Sinks.Many<Message> fnf;
        private final AtomicLong fnfCount;
        private final Requests requests;
        private final Channels channels;

        Responder(String remote, String client, ConnectionReporter reporter, Sinks.Many<Flux<Channels.Delivery>> streams,
                  Sinks.Many<Message> fnf, AtomicLong fnfCount, Requests requests, Channels channels) {
            this.requests = requests;
            this.channels = channels;
            this.remote = remote;
            this.client = client;
            this.reporter = reporter;
            this.streams = streams;
            this.fnf = fnf;
            this.fnfCount = fnfCount;
        }

        @Override
        public Mono<Void> fireAndForget(Payload payload) {
            Message m;
            try {
                m = stamp(Payloads.toMessage(payload, listen.maxMessageSize()));
            } catch (IllegalArgumentException e) {
                bad(e);
                return Mono.empty();
            }
            boolean ok;
            synchronized (fnf) {
                ok = fnf.tryEmitNext(m).isSuccess();
            }
            if (ok) {
                reporter.metrics().message(m.size());
                fnfCount.incrementAndGet();
            } else {
                reporter.metrics().lost(1);
            }
            return Mono.empty();
        }

        @Override
        public Mono<Payload> requestResponse(Payload payload) {
            if (payload.hasMetadata()) {
                Message m;
                try {
                    m = Payloads.toMessage(payload, listen.maxMessageSize());
                } catch (IllegalArgumentException e) {
                    bad(e);
                    return Mono.error(new ApplicationErrorException("bad payload: " + e.getMessage()));
                }
                reporter.metrics().message(m.size());
                return requests.offer(m);
            }
            payload.release();
            return Mono.fromSupplier(() -> DefaultPayload.create(Long.toString(fnfCount.get())));
        }

        @Override
        public Flux<Payload> requestChannel(Publisher<Payload> payloads) {
            Channels.Channel channel = channels.open();
            if (channel == null) {
                return Flux.error(Channels.stopped());
            }
            Flux<Channels.Delivery> in = Flux.from(payloads)
                    .map(p -> {
                        Message m = stamp(Payloads.toMessage(p, listen.maxMessageSize()));
                        reporter.metrics().message(m.size());
                        channel.received();
                        return new Channels.Delivery(m, channel);
                    })
                    .doOnError(e -> {
                        bad(e);
                        channel.fail(e);
                    })
                    .onErrorResume(e -> Mono.empty())
                    .doOnComplete(channel::inputDone)
                    .doOnCancel(channel::cancelled);
            boolean merged;
            synchronized (streams) {
                merged = streams.tryEmitNext(in).isSuccess();
            }
            if (!merged) {
                channel.abandon();
            }
            return channel.answer().map(n -> DefaultPayload.create(Long.toString(n))).flux();
        }

        private Message stamp(Message m) {
            return client == null ? m : m.withHeader(ServerSecurity.CLIENT_HEADER, client);
        }

        private void bad(Throwable e) {
            reporter.error(remote, "bad payload: " + e.getMessage(), e);
        }
    }
}
