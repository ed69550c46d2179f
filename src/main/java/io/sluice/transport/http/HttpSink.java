package io.sluice.transport.http;

import io.sluice.transport.auth.SinkToken;
import io.sluice.transport.tls.TlsOptions;
import io.sluice.transport.tls.ClientTls;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.ClientSink;
import io.sluice.transport.resilience.Rejections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Subscription;
import reactor.core.Exceptions;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Unary HTTP client sink: POSTs each message as one request body to the configured path, with at
 * most {@code concurrency} requests in flight (so upstream is requested at that pace), over
 * keep-alive connections. The message key is sent as {@value HttpBuilder#KEY_HEADER}; a
 * {@code content-type} message header as {@code Content-Type} (default
 * {@code application/octet-stream}). The returned {@code Mono} completes when every request got a
 * 2xx answer; after the first failure (a non-2xx answer: {@link HttpStatusException}, or a
 * connection error) no new request starts, the requests already in flight run to their answer,
 * then the write fails with the first failure, later ones attached as suppressed exceptions.
 * In-flight requests are not cancelled: the server may already have processed one, and a retry
 * would then send it again; so with {@code concurrency} > 1 a retry resends only the requests that
 * failed (and those not yet sent). A message is acknowledged ({@link #acknowledges()}) when its
 * request was answered 2xx, never otherwise. The {@link HttpStatusException} names the message and
 * the server's {@code Retry-After}: with a {@link io.sluice.transport.resilience.ResilientSink}
 * ({@code retry:} in YAML) 5xx, 408 and 429 are retried, other 4xx dead-lettered.
 *
 * <p>Each {@link #write} has its own connection pool (at most {@code concurrency} connections),
 * closed when the write ends. Not reactor-netty's global pool: a reactor-netty server in the same
 * process that stops disposes the global pool for its address, which failed requests still waiting
 * for a connection with "Pool has been shut down" instead of the server's answer (a 503 from a
 * stopping Sluice HTTP source) or a refused connection.
 */
public final class HttpSink implements Sink<Message> {

    private final String host;
    private final int port;
    private final String path;
    private final int concurrency;
    private final ClientSink sink;
    private final TlsOptions tls;
    private final SinkToken token;

    HttpSink(HttpBuilder b) {
        ClientTls.check(b.tls());
        this.tls = b.tls();
        this.token = b.bearerToken();
        this.host = b.host();
        this.port = b.port();
        this.path = b.path;
        this.concurrency = b.concurrency;
        this.sink = new ClientSink(RequestHandler.NAME, b.events(), host + ":" + port + path);
    }

    /** @return true: each message is acknowledged when its request was answered 2xx */
    @Override
    public boolean acknowledges() {
        return true;
    }

    /** @return counters: messages and bytes accepted by the server (2xx), errors */
    public TransportMetrics metrics() {
        return sink.metrics();
    }

    /**
     * Sends {@code elements} as described in the class documentation.
     *
     * @param elements messages to send; requested only as fast as they can be written
     * @return completes when every message has been written, errors on the first failure
     */
    @Override
    public Mono<Void> write(Flux<Message> elements) {
        Mono<Void> posts = ClientTls.with(tls, "sink http " + host + ":" + port, ctx -> Mono.usingWhen(
                Mono.fromSupplier(() -> ConnectionProvider.builder("sluice-http-sink")
                        .maxConnections(concurrency)
                        .pendingAcquireMaxCount(-1)
                        .build()),
                pool -> {
                    HttpClient client = SinkToken.authorize(
                            ClientTls.secure(HttpClient.create(pool).host(host).port(port), ctx), token);
                    AtomicBoolean failed = new AtomicBoolean();
                    return gate(elements, failed)
                            .flatMapDelayError(m -> post(client, m).doOnError(e -> failed.set(true)), concurrency, 1)
                            .then();
                },
                ConnectionProvider::disposeLater));
        return sink.reportFailures(posts.onErrorMap(Exceptions::isMultiple, HttpSink::first));
    }

    /**
     * The input, requested only until {@code stop} is set; then it ends at the next request (without
     * taking another message from the input, which would be handed over and not sent).
     */
    private static Flux<Message> gate(Flux<Message> in, AtomicBoolean stop) {
        return Flux.create(sink -> {
            // holds a request made before the input's subscription arrives (the input may subscribe asynchronously)
            Operators.DeferredSubscription up = new Operators.DeferredSubscription();
            in.subscribe(new CoreSubscriber<Message>() {
                @Override
                public void onSubscribe(Subscription s) {
                    up.set(s);
                }

                @Override
                public void onNext(Message m) {
                    sink.next(m);
                }

                @Override
                public void onError(Throwable t) {
                    sink.error(t);
                }

                @Override
                public void onComplete() {
                    sink.complete();
                }
            });
            sink.onDispose(up::cancel);
            sink.onRequest(n -> {
                if (stop.get()) {
                    sink.complete();
                } else {
                    up.request(n);
                }
            });
        });
    }

    /** Concurrent failures arrive as one composite: the first one, the others suppressed. */
    private static Throwable first(Throwable multiple) {
        List<Throwable> all = Exceptions.unwrapMultiple(multiple);
        Throwable first = all.get(0);
        all.subList(1, all.size()).forEach(first::addSuppressed);
        return first;
    }

    private Mono<Void> post(HttpClient client, Message m) {
        return client.post()
                .uri(path)
                .send((req, out) -> {
                    req.header(HttpHeaderNames.CONTENT_TYPE, m.header("content-type").orElse("application/octet-stream"));
                    req.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(m.size()));
                    m.key().ifPresent(k -> req.header(HttpBuilder.KEY_HEADER, k));
                    return out.send(Mono.fromCallable(() -> Unpooled.wrappedBuffer(m.payload())));
                })
                .responseSingle((res, body) -> body.asByteArray().then(Mono.fromSupplier(() -> {
                    int code = res.status().code();
                    return code / 100 == 2 ? Optional.<HttpStatusException>empty() : Optional.of(new HttpStatusException(code, (tls == null ? "http://" : "https://")
                            + host + ":" + port + path, m, HttpStatusException.parseRetryAfter(
                                    res.responseHeaders().get(HttpHeaderNames.RETRY_AFTER))));
                })))
                .flatMap(failure -> {
                    if (failure.isPresent()) {
                        return Rejections.<Void>orError(failure.get());
                    }
                    sink.metrics().message(m.size());
                    m.ack();
                    return Mono.<Void>empty();
                });
    }
}
