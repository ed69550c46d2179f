package io.sluice.bench.transport;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.sluice.Message;
import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * Baseline: reactor-netty HTTP/1.1 with nothing of Sluice's: the server aggregates each POST body
 * and answers 202; one sender POSTs one message at a time on a pooled keep-alive connection, as
 * Sluice's HTTP sink does with {@code concurrency(1)}. It shows the floor of a unary round trip on
 * the machine the table was measured on.
 */
final class RawNettyHttpLane implements Lane {
    private DisposableServer server;

    @Override
    public void start(Counter counter) {
        server = HttpServer.create().host("127.0.0.1").port(0)
                .handle((req, res) -> req.receive().aggregate().doOnNext(b -> counter.hit())
                        .then(res.status(HttpResponseStatus.ACCEPTED).send().then()))
                .bindNow(Duration.ofSeconds(30));
    }

    @Override
    public Mono<Void> send(Message template, int count) {
        HttpClient client = HttpClient.create().host("127.0.0.1").port(server.port());
        byte[] payload = template.payload();
        return Flux.range(0, count)
                .concatMap(i -> client.post().uri("/ingest").send(Mono.fromCallable(() -> Unpooled.wrappedBuffer(payload)))
                        .responseSingle((res, body) -> body.asByteArray().then(Mono.just(res.status().code())))
                        .filter(code -> code / 100 == 2)
                        .switchIfEmpty(Mono.error(() -> new IllegalStateException("non-2xx answer"))), 1)
                .then();
    }

    @Override
    public void close() {
        if (server != null) {
            server.disposeNow(Duration.ofSeconds(10));
        }
    }
}
