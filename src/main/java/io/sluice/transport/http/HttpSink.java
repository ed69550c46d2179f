package io.sluice.transport.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.ClientSink;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Unary HTTP client sink: POSTs each message as one request body to the configured path, with at
 * most {@code concurrency} requests in flight (so upstream is requested at that pace), over
 * reactor-netty's pooled keep-alive connections. The message key is sent as
 * {@value HttpBuilder#KEY_HEADER}; a {@code content-type} message header as {@code Content-Type}
 * (default {@code application/octet-stream}). The returned {@code Mono} completes when every
 * request got a 2xx answer; the first non-2xx answer fails it with an {@link HttpStatusException}
 * (remaining requests are cancelled). A message is acknowledged ({@link #acknowledges()}) when its
 * request was answered 2xx, never otherwise.
 */
public final class HttpSink implements Sink<Message> {

    private final String host;
    private final int port;
    private final String path;
    private final int concurrency;
    private final ClientSink sink;
    private final HttpClient client;

    HttpSink(HttpBuilder b) {
        this.host = b.host();
        this.port = b.port();
        this.path = b.path;
        this.concurrency = b.concurrency;
        this.sink = new ClientSink(RequestHandler.NAME, b.events(), host + ":" + port + path);
        this.client = HttpClient.create().host(host).port(port);
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
        return sink.reportFailures(elements.flatMap(this::post, concurrency, 1).then());
    }

    private Mono<Void> post(Message m) {
        return client.post()
                .uri(path)
                .send((req, out) -> {
                    req.header(HttpHeaderNames.CONTENT_TYPE, m.header("content-type").orElse("application/octet-stream"));
                    req.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(m.size()));
                    m.key().ifPresent(k -> req.header(HttpBuilder.KEY_HEADER, k));
                    return out.send(Mono.fromCallable(() -> Unpooled.wrappedBuffer(m.payload())));
                })
                .responseSingle((res, body) -> body.asByteArray()
                        .then(Mono.just(res.status().code())))
                .flatMap(code -> {
                    if (code / 100 != 2) {
                        return Mono.error(new HttpStatusException(code, "http://" + host + ":" + port + path));
                    }
                    sink.metrics().message(m.size());
                    m.ack();
                    return Mono.<Void>empty();
                });
    }
}
