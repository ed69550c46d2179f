package io.sluice.bench.peers;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The framework limit for the HTTP intake cells of {@code run-peers.sh}: a bare reactor-netty
 * server that reads each request body whole and answers {@code 202 Accepted} with nothing else
 * (no parsing, no pipeline, no accounting). Usage: {@code BareHttp PORT}; runs until killed.
 */
public final class BareHttp {

    private BareHttp() {
    }

    /**
     * @param args the port to bind on 127.0.0.1
     */
    public static void main(String[] args) {
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(Integer.parseInt(args[0]))
                .route(r -> r.post("/ingest", (req, res) -> req.receive().aggregate()
                        .then(res.status(HttpResponseStatus.ACCEPTED).send().then())))
                .bindNow(Duration.ofSeconds(30));
        server.onDispose().block();
    }
}
