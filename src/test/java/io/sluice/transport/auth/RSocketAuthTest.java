package io.sluice.transport.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.core.RSocketConnector;
import io.rsocket.core.RSocketServer;
import io.rsocket.exceptions.RejectedSetupException;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import io.rsocket.util.DefaultPayload;
import io.sluice.transport.tls.TestPkiAccess;
import io.sluice.transport.tls.TlsContext;
import io.sluice.transport.tls.TlsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * A real RSocket server and client over TLS (reactor-netty {@code TcpServer.secure} inside
 * {@link TcpServerTransport}) with the bearer token in the SETUP frame's authentication metadata:
 * the right token is accepted and its name reaches the acceptor, a wrong or missing one gets the SETUP
 * rejected.
 */
class RSocketAuthTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void setupWithBearerTokenOverTls() throws Exception {
        TestPkiAccess pki = new TestPkiAccess(dir);
        Path tokens = Files.writeString(dir.resolve("tokens.txt"), "app-1:" + TokenAuthenticatorTest.ALICE + "\n");
        List<String> refusals = new CopyOnWriteArrayList<>();
        try (TlsContext serverTls = TlsContext.open(TlsOptions.server(pki.serverCert, pki.serverKey), "rsocket");
                TlsContext clientTls = TlsContext.open(TlsOptions.client(pki.ca), "client");
                TokenAuthenticator auth = TokenAuthenticator.open(tokens, Duration.ZERO, "rsocket")) {
            SocketAcceptor guarded = RSocketAuth.acceptor(auth, (reason, peer) -> refusals.add(reason),
                    identity -> SocketAcceptor.forRequestResponse(p -> {
                        String data = p.getDataUtf8();
                        p.release();
                        return Mono.just(DefaultPayload.create(data + " from " + identity));
                    }));
            CloseableChannel server = RSocketServer.create(guarded)
                    .bind(TcpServerTransport.create(TcpServer.create().host("127.0.0.1").port(0)
                            .secure(serverTls.sslProvider())))
                    .block(WAIT);
            try {
                int port = server.address().getPort();
                RSocket good = connect(clientTls, port, TokenAuthenticatorTest.ALICE);
                assertThat(good.requestResponse(DefaultPayload.create("ping")).map(RSocketAuthTest::text)
                        .block(WAIT)).isEqualTo("ping from app-1");
                good.dispose();

                RSocket wrong = connect(clientTls, port, "not-the-token");
                assertThatThrownBy(() -> wrong.requestResponse(DefaultPayload.create("ping")).block(WAIT))
                        .isInstanceOf(RejectedSetupException.class).hasMessageContaining("unknown bearer token");
                wrong.dispose();

                RSocket none = connect(clientTls, port, null);
                assertThatThrownBy(() -> none.requestResponse(DefaultPayload.create("ping")).block(WAIT))
                        .isInstanceOf(RejectedSetupException.class).hasMessageContaining("missing bearer token");
                none.dispose();
                assertThat(refusals).containsExactly("unknown bearer token", "missing bearer token");
            } finally {
                server.dispose();
                server.onClose().block(WAIT);
            }
        }
    }

    private static RSocket connect(TlsContext tls, int port, String token) {
        RSocketConnector c = RSocketConnector.create();
        if (token != null) {
            c.metadataMimeType(RSocketAuth.compositeMetadataMimeType())
                    .setupPayload(DefaultPayload.create(Unpooled.EMPTY_BUFFER,
                            RSocketAuth.bearerSetupMetadata(ByteBufAllocator.DEFAULT, token)));
        }
        return c.connect(TcpClientTransport.create(TcpClient.create().host("127.0.0.1").port(port)
                .secure(tls.sslProvider()))).block(WAIT);
    }

    private static String text(Payload p) {
        try {
            return p.getDataUtf8();
        } finally {
            p.release();
        }
    }
}
