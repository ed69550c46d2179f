package io.sluice.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.sluice.Ack;
import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.transport.grpc.GrpcBuilder;
import io.sluice.transport.grpc.GrpcSource;
import io.sluice.transport.tcp.Framing;
import io.sluice.transport.tcp.TcpSource;
import io.sluice.transport.websocket.WebSocketSource;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Issue 14 item 2: network sinks acknowledge a message only once its destination has it - TCP and
 * WebSocket once the bytes were written to the socket, HTTP on a 2xx, gRPC on the server's
 * {@code Ack} (unary and exchange modes) - and never a message that did not get there.
 */
class SinkAcksTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Messages numbered 0..n-1 whose acknowledgements count into {@code acked}; {@code emitted} counts hand-offs. */
    private static Flux<Message> numbered(int n, int size, AtomicInteger emitted, AtomicInteger acked) {
        return Flux.range(0, n).map(i -> Message.builder().payload(new byte[size]).build()
                .withAck(Ack.once(acked::incrementAndGet))).doOnNext(m -> emitted.incrementAndGet());
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting until %s", what).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void tcpAndWebSocketSinksAcknowledgeEveryMessageTheyWrote() {
        TcpSource tcp = Transports.tcp().port(0).framing(Framing.lengthPrefixed()).source();
        WebSocketSource ws = Transports.websocket().port(0).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        Disposable a = tcp.flux().subscribe(got::add);
        Disposable b = ws.flux().subscribe(got::add);
        try {
            int tcpPort = tcp.boundAddress().block(WAIT).getPort();
            int wsPort = ws.boundAddress().block(WAIT).getPort();
            for (Sink<Message> sink : List.of(
                    Transports.tcp().port(tcpPort).framing(Framing.lengthPrefixed()).sink(),
                    Transports.websocket().port(wsPort).sink())) {
                assertThat(sink.acknowledges()).isTrue();
                AtomicInteger emitted = new AtomicInteger();
                AtomicInteger acked = new AtomicInteger();
                sink.write(numbered(2_000, 100, emitted, acked)).block(WAIT);
                assertThat(acked).as("%s acknowledged every message it wrote", sink).hasValue(2_000);
            }
        } finally {
            a.dispose();
            b.dispose();
        }
    }

    /**
     * A receiver that accepts but never reads: the sink's socket buffers fill, and the messages
     * still in Netty's outbound buffer are not acknowledged (acknowledging at hand-off would ack
     * every message emitted).
     */
    @Test
    void tcpSinkDoesNotAcknowledgeWhatIsStillInItsOutboundBuffer() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            AtomicInteger emitted = new AtomicInteger();
            AtomicInteger acked = new AtomicInteger();
            Disposable write = Transports.tcp().port(server.getLocalPort()).framing(Framing.lengthPrefixed()).sink()
                    .write(numbered(20_000, 1_000, emitted, acked)).subscribe(v -> { }, e -> { });
            try (Socket peer = server.accept()) {
                // the writer stalls once the kernel buffers and Netty's high-water mark are full
                int[] last = {-1};
                await(() -> {
                    int now = emitted.get();
                    boolean still = now == last[0] && now > 0;
                    last[0] = now;
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return still;
                }, "the writer stalls");
                assertThat(emitted.get()).as("stalled before the end").isLessThan(20_000);
                assertThat(acked.get()).as("acknowledged (written to the socket) < emitted").isLessThan(emitted.get());
                // positive control: once the peer reads, everything emitted gets written and acknowledged
                InputStream in = peer.getInputStream();
                byte[] buf = new byte[1 << 16];
                long need = 20_000L * (4 + 1_000);
                long read = 0;
                peer.setSoTimeout((int) WAIT.toMillis());
                while (read < need) {
                    int n = in.read(buf);
                    assertThat(n).isPositive();
                    read += n;
                }
                await(() -> acked.get() == 20_000, "every message acknowledged once read");
            } finally {
                write.dispose();
            }
        }
    }

    @Test
    void httpSinkAcknowledgesOn2xxOnly() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ingest", ex -> {
            ex.getRequestBody().readAllBytes();
            // the 6th request and later are refused
            ex.sendResponseHeaders(requests.incrementAndGet() <= 5 ? 202 : 500, -1);
            ex.close();
        });
        server.start();
        try {
            Sink<Message> sink = Transports.http().port(server.getAddress().getPort()).path("/ingest").concurrency(1)
                    .sink();
            assertThat(sink.acknowledges()).isTrue();
            AtomicInteger emitted = new AtomicInteger();
            AtomicInteger acked = new AtomicInteger();
            assertThatThrownBy(() -> sink.write(numbered(20, 10, emitted, acked)).block(WAIT))
                    .hasMessageContaining("500");
            assertThat(acked).as("only the requests answered 202").hasValue(5);
        } finally {
            server.stop(0);
        }
    }

    /** Exchange: acknowledged as the server's cumulative counts come back, so a stalled server pipeline holds them. */
    @Test
    void grpcExchangeSinkAcknowledgesOnlyWhatTheServerAcknowledged() throws Exception {
        GrpcSource source = Transports.grpc().port(0).prefetch(1).source();
        AtomicInteger taken = new AtomicInteger();
        Subscription[] sub = new Subscription[1];
        source.flux().subscribe(new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                sub[0] = s;
                s.request(10);
            }

            @Override
            protected void hookOnNext(Message value) {
                taken.incrementAndGet();
            }
        });
        try {
            int port = source.boundAddress().block(WAIT).getPort();
            Sink<Message> sink = Transports.grpc().port(port).mode(GrpcBuilder.Mode.EXCHANGE).sink();
            assertThat(sink.acknowledges()).isTrue();
            AtomicInteger emitted = new AtomicInteger();
            AtomicInteger acked = new AtomicInteger();
            Mono<Void> write = sink.write(numbered(500, 18, emitted, acked)).cache();
            Disposable running = write.subscribe(v -> { }, e -> { });
            await(() -> taken.get() == 10 && acked.get() >= 10, "the first 10 taken and acknowledged");
            TimeUnit.MILLISECONDS.sleep(300); // would any more be acknowledged while the server holds them?
            assertThat(acked.get()).as("acknowledged while the server pipeline took 10").isLessThanOrEqualTo(
                    taken.get() + 2).isLessThan(emitted.get());
            sub[0].request(Long.MAX_VALUE);
            write.block(WAIT);
            assertThat(acked).hasValue(500);
            running.dispose();
        } finally {
            sub[0].cancel();
        }
    }

    @Test
    void grpcUnarySinkAcknowledgesEachCallAndStreamModeLeavesItToThePipeline() {
        GrpcSource source = Transports.grpc().port(0).source();
        Disposable running = source.flux().subscribe();
        try {
            int port = source.boundAddress().block(WAIT).getPort();
            Sink<Message> unary = Transports.grpc().port(port).mode(GrpcBuilder.Mode.UNARY).sink();
            AtomicInteger emitted = new AtomicInteger();
            AtomicInteger acked = new AtomicInteger();
            unary.write(numbered(50, 18, emitted, acked)).block(WAIT);
            assertThat(acked).hasValue(50);
            assertThat(Transports.grpc().port(port).mode(GrpcBuilder.Mode.STREAM).sink().acknowledges()).isFalse();
        } finally {
            running.dispose();
        }
    }
}
