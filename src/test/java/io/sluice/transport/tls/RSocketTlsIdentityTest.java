package io.sluice.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import io.sluice.transport.Transports;
import io.sluice.transport.rsocket.RSocketBuilder;
import io.sluice.transport.rsocket.RSocketSink;
import io.sluice.transport.rsocket.RSocketSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * RSocket and client certificates: without tokens, the certificate a client presents under mutual TLS
 * names it (the {@code client} header), over TCP and WebSocket, as on the other TLS transports; and
 * request-stream mode ({@code mode: stream}, where the sink serves and the source dials) over TLS and
 * mutual TLS, byte-exact, with a source lacking a certificate or speaking plaintext refused and counted.
 */
class RSocketTlsIdentityTest {

    @TempDir
    Path dir;
    Path ca;
    TestPki.Files2 server;
    TestPki.Files2 client;

    @BeforeEach
    void files() throws Exception {
        TestPki pki = new TestPki("Sluice Test CA");
        ca = pki.writeCa(dir, "ca");
        server = pki.localhost("server").write(dir, "server");
        client = pki.issue("device-9", List.of(), List.of()).write(dir, "client");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void clientCertificateNamesTheClient(boolean webSocket) throws Exception {
        RSocketSource source = Transports.rsocket().webSocket(webSocket)
                .tls(TlsOptions.server(server.cert(), server.key()).withClientCa(ca)).source();
        try (Received in = new Received(source)) {
            Transports.rsocket().webSocket(webSocket).host("localhost").port(in.port)
                    .tls(TlsOptions.client(ca).withCertificate(client.cert(), client.key())).sink()
                    .write(Flux.just(Message.ofUtf8("reading-1").withHeader("client", "spoofed"),
                            Message.ofUtf8("reading-2"))).block(Received.WAIT);
            List<Message> got = in.await(2);
            assertThat(got).extracting(Message::payloadUtf8).containsExactly("reading-1", "reading-2");
            assertThat(got).allSatisfy(m -> assertThat(m.header("client")).as("the certificate's CN, not a claim")
                    .hasValue("device-9"));
            // without a client certificate: refused, counted as tls
            assertThatThrownBy(() -> Transports.rsocket().webSocket(webSocket).host("localhost").port(in.port)
                    .tls(TlsOptions.client(ca)).sink().write(Flux.just(Message.ofUtf8("no-cert")))
                    .block(Received.WAIT));
            Received.until(() -> source.metrics().errors("tls") >= 1, "missing client certificate counted");
            assertThat(in.messages).hasSize(2);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void streamModeOverMutualTlsByteExact(boolean webSocket) throws Exception {
        byte[] big = new byte[79435];
        new Random(21).nextBytes(big);
        RSocketSink sink = stream(webSocket).tls(TlsOptions.server(server.cert(), server.key()).withClientCa(ca))
                .sink();
        Mono<Void> written = sink.write(Flux.just(Message.ofUtf8("eighteen-bytes-msg"), Message.of(big))
                .delaySubscription(Mono.delay(java.time.Duration.ofMillis(200)))).cache();
        Disposable serving = written.subscribe();
        try {
            int port = sink.boundAddress().block(Received.WAIT).getPort();
            // refused first: plaintext, then TLS without a client certificate; the stream is still served after
            assertThatThrownBy(() -> stream(webSocket).host("localhost").port(port).source().flux()
                    .blockLast(Received.WAIT));
            assertThatThrownBy(() -> stream(webSocket).host("localhost").port(port).tls(TlsOptions.client(ca))
                    .source().flux().blockLast(Received.WAIT));
            Received.until(() -> sink.metrics().errors("tls") >= 2, "both refusals counted as tls");

            List<Message> got = stream(webSocket).host("localhost").port(port)
                    .tls(TlsOptions.client(ca).withCertificate(client.cert(), client.key())).source().flux()
                    .collectList().block(Received.WAIT);
            written.block(Received.WAIT);
            assertThat(got).hasSize(2);
            assertThat(got.get(0).payloadUtf8()).isEqualTo("eighteen-bytes-msg");
            assertThat(got.get(1).payload()).isEqualTo(big);
        } finally {
            serving.dispose();
        }
    }

    @Test
    void streamModeRefusesAnUntrustedServer() throws Exception {
        RSocketSink sink = stream(false).tls(TlsOptions.server(server.cert(), server.key())).sink();
        Disposable serving = sink.write(Flux.just(Message.ofUtf8("x"))).subscribe(x -> { }, e -> { });
        try {
            int port = sink.boundAddress().block(Received.WAIT).getPort();
            TestPki other = new TestPki("Other CA");
            Path otherCa = other.writeCa(dir, "other-ca");
            assertThatThrownBy(() -> stream(false).host("localhost").port(port).tls(TlsOptions.client(otherCa))
                    .source().flux().blockLast(Received.WAIT)).as("untrusted server certificate");
            Received.until(() -> sink.metrics().errors("tls") >= 1, "untrusted handshake counted");
        } finally {
            serving.dispose();
        }
    }

    private static RSocketBuilder stream(boolean webSocket) {
        return Transports.rsocket().mode(RSocketBuilder.Mode.STREAM).webSocket(webSocket);
    }
}
