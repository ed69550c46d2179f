package io.sluice.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.EventDispatcher;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * Idle and keepalive closes of the stream sources that share the skeleton: a silent TCP peer is
 * closed after {@code idleTimeout} (reason {@code idle}, counted) while a peer that keeps sending is
 * not; a WebSocket peer that answers no ping is closed (reason {@code keepalive}) while a silent
 * client that answers the server's pings (the JDK's) stays connected.
 */
class StreamLivenessTest {

    private static final Duration IDLE = Duration.ofMillis(500);
    private static final Duration SLACK = Duration.ofSeconds(1);
    /** Longer for WebSocket: the JDK client's automatic pong must not miss it on a loaded machine. */
    private static final Duration WS_IDLE = Duration.ofSeconds(2);

    private final EventDispatcher events = new EventDispatcher();
    private final List<ConnectionClosed> closed = new CopyOnWriteArrayList<>();
    private final List<Message> received = new CopyOnWriteArrayList<>();
    private Disposable running;

    StreamLivenessTest() {
        events.on(ConnectionClosed.class, closed::add);
    }

    @AfterEach
    void stop() {
        if (running != null) {
            running.dispose();
        }
    }

    @Test
    void aSilentTcpPeerIsClosedAsIdleAndATalkingOneIsNot() throws Exception {
        var source = Transports.tcp().idleTimeout(IDLE).events(events).source();
        running = source.flux().subscribe(received::add);
        int port = source.boundAddress().block(Duration.ofSeconds(10)).getPort();
        try (SilentPeers peers = new SilentPeers();
             Socket talker = new Socket(InetAddress.getLoopbackAddress(), port)) {
            SilentPeers.Peer silent = peers.open(port, "one line\n".getBytes(StandardCharsets.US_ASCII));
            OutputStream out = talker.getOutputStream();
            java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.CompletableFuture<Void> talking = java.util.concurrent.CompletableFuture.runAsync(() -> {
                long end = System.nanoTime() + IDLE.plus(SLACK).toNanos();
                try {
                    while (System.nanoTime() < end) { // every 100 ms for 1.5 s: never idle for 500 ms
                        out.write(("tick " + sent.getAndIncrement() + "\n").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        Thread.sleep(100);
                    }
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            assertThat(peers.awaitClosed(SLACK.plusSeconds(5))).isEmpty();
            assertThat(silent.openFor()).isLessThanOrEqualTo(IDLE.plus(SLACK));
            talking.get(10, TimeUnit.SECONDS);
            out.write("still open\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int expected = sent.get() + 2;
            awaitTrue(() -> received.size() == expected);
            assertThat(received).hasSize(expected);
            awaitTrue(() -> !closed.isEmpty());
            assertThat(closed).containsExactly(new ConnectionClosed("tcp", "/" + silent.address(), "idle"));
            assertThat(source.metrics().closed("idle")).isEqualTo(1);
        }
    }

    @Test
    void aWebSocketPeerThatAnswersNoPingIsClosedAndOneThatPongsStays() throws Exception {
        var source = Transports.websocket().idleTimeout(WS_IDLE).pingInterval(Duration.ofMillis(400)).events(events)
                .source();
        running = source.flux().subscribe(received::add);
        int port = source.boundAddress().block(Duration.ofSeconds(10)).getPort();
        WebSocket jdk = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WebSocket.Listener() { })
                .get(10, TimeUnit.SECONDS);
        try (SilentPeers peers = new SilentPeers()) {
            SilentPeers.Peer deaf = peers.open(port, ("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(peers.awaitClosed(WS_IDLE.plus(SLACK).plusSeconds(5))).isEmpty();
            assertThat(deaf.received()).startsWith("HTTP/1.1 101 Switching Protocols")
                    .as("a ping frame (0x89) was sent").contains("\u0089");
            assertThat(deaf.openFor()).isLessThanOrEqualTo(WS_IDLE.plus(SLACK));
            awaitTrue(() -> !closed.isEmpty());
            assertThat(closed).containsExactly(new ConnectionClosed("websocket", "/" + deaf.address(), "keepalive"));
        }
        Thread.sleep(WS_IDLE.plus(SLACK).toMillis()); // the JDK client sent nothing all along, but pongs
        jdk.sendText("after", true).get(10, TimeUnit.SECONDS);
        awaitTrue(() -> received.size() == 1);
        assertThat(received).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8)).containsExactly("after");
        assertThat(closed).hasSize(1);
        jdk.abort();
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
