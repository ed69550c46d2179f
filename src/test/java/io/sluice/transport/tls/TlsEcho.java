package io.sluice.transport.tls;

import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslHandler;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * A test-only reactor-netty TLS line server and client: the server answers each line with
 * {@code "<line> from <client identity>"} and closes after a line {@code quit}; it counts the connections
 * whose handler ran (i.e. whose TLS handshake succeeded).
 */
final class TlsEcho implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(10);
    private static final String CLOSED = "\u0000closed";

    final DisposableServer server;
    final AtomicInteger handled = new AtomicInteger();
    /** Failed handshakes, as {@link TlsHandshakeFailures} reported them. */
    final java.util.List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();

    TlsEcho(TlsContext tls) {
        server = TcpServer.create()
                .host("127.0.0.1")
                .port(0)
                .secure(tls.sslProvider())
                .doOnChannelInit((obs, ch, addr) -> TlsHandshakeFailures.install(ch.pipeline(),
                        (peer, cause) -> failures.add(peer + " " + cause.getClass().getSimpleName())))
                .handle((in, out) -> {
                    handled.incrementAndGet();
                    String[] who = {"anonymous"};
                    in.withConnection(c -> {
                        c.addHandlerLast(new LineBasedFrameDecoder(8192));
                        PeerIdentity.from(c.channel()).ifPresent(p -> who[0] = p.name());
                    });
                    return out.sendString(in.receive().asString()
                            .takeUntil("quit"::equals)
                            .filter(s -> !"quit".equals(s))
                            .map(s -> s + " from " + who[0] + "\n"));
                })
                .bindNow(WAIT);
    }

    int port() {
        return server.port();
    }

    /** One client connection with its received lines. */
    static final class Client implements AutoCloseable {
        final Connection conn;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Client(TlsContext tls, int port) {
            conn = TcpClient.create()
                    .host("127.0.0.1")
                    .port(port)
                    .secure(tls.sslProvider())
                    .doOnConnected(c -> c.addHandlerLast(new LineBasedFrameDecoder(8192)))
                    .connectNow(WAIT);
            conn.inbound().receive().asString().subscribe(lines::add, e -> { });
            conn.onDispose(() -> lines.add(CLOSED));
        }

        /**
         * Sends a line and returns the answer, or null when the connection closed instead.
         *
         * @throws AssertionError when neither happens within the bounded wait
         */
        String ask(String line) throws InterruptedException {
            // a wrapped byte[] (not a pooled buffer): when the server refuses the handshake, reactor-netty's
            // client can drop a pooled buffer of this write unreleased (a PARANOID leak report in the test's own
            // client, failing every later test class)
            conn.outbound().sendByteArray(Mono.just((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .then().subscribe(x -> { }, e -> { });
            String got = lines.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (got == null) {
                throw new AssertionError("no answer and no close within " + WAIT);
            }
            return got.equals(CLOSED) ? null : got;
        }

        /** @return the serial number of the certificate the server presented on this connection */
        BigInteger serverSerial() throws Exception {
            SslHandler ssl = conn.channel().pipeline().get(SslHandler.class);
            return ((X509Certificate) ssl.engine().getSession().getPeerCertificates()[0]).getSerialNumber();
        }

        /** @return whether the connection closed within the bounded wait */
        boolean closes() {
            return Optional.ofNullable(conn.onDispose().then(Mono.just(true)).block(WAIT)).orElse(false);
        }

        @Override
        public void close() {
            conn.disposeNow(WAIT);
        }
    }

    @Override
    public void close() {
        server.disposeNow(WAIT);
    }
}
