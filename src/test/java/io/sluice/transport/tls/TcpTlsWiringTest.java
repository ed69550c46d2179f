package io.sluice.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import io.sluice.transport.Transports;
import io.sluice.transport.tcp.Framing;
import io.sluice.transport.tcp.TcpSource;
import io.sluice.transport.tls.TlsOptions.Engine;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;

/**
 * TLS wired into the TCP source and sink: byte-exact round trips over mutual TLS (Sluice's sink, both
 * framings, both engines; {@code openssl s_client}), the client certificate's name in the {@code client}
 * header, and refusals (plaintext client, untrusted CA, missing client certificate) counted as
 * {@code tls} while other clients go on.
 */
class TcpTlsWiringTest {

    @TempDir
    Path dir;
    TestPki pki;
    Path ca;
    TestPki.Files2 server;
    TestPki.Files2 client;

    @BeforeEach
    void pki() throws Exception {
        pki = new TestPki("Sluice Test CA");
        ca = pki.writeCa(dir, "ca");
        server = pki.localhost("server").write(dir, "server");
        client = pki.issue("device-9", List.of(), List.of()).write(dir, "client");
    }

    private TlsOptions serverTls(Engine engine) {
        return TlsOptions.server(server.cert(), server.key()).withClientCa(ca).withEngine(engine);
    }

    private TlsOptions clientTls(Engine engine) {
        return TlsOptions.client(ca).withCertificate(client.cert(), client.key()).withEngine(engine);
    }

    @ParameterizedTest
    @EnumSource(names = {"OPENSSL", "JDK"})
    void lengthPrefixedRoundTripOverMutualTlsIsByteExact(Engine engine) throws Exception {
        TcpSource source = Transports.tcp().framing(Framing.lengthPrefixed()).tls(serverTls(engine)).source();
        try (Received in = new Received(source)) {
            Random r = new Random(13);
            List<byte[]> sent = new java.util.ArrayList<>();
            for (int size : new int[] {0, 1, 18, 16 * 1024 + 3, 79435}) {
                byte[] b = new byte[size];
                r.nextBytes(b);
                sent.add(b);
            }
            Transports.tcp().host("localhost").port(in.port).framing(Framing.lengthPrefixed())
                    .tls(clientTls(engine)).sink()
                    .write(Flux.fromIterable(sent).map(Message::of)).block(Received.WAIT);
            List<Message> got = in.await(sent.size());
            for (int i = 0; i < sent.size(); i++) {
                assertThat(got.get(i).payload()).isEqualTo(sent.get(i));
                assertThat(got.get(i).header("client")).hasValue("device-9");
            }
            assertThat(source.metrics().errors()).isZero();
        }
    }

    @Test
    void newlineFramingFromOpensslSClient() throws Exception {
        TcpSource source = Transports.tcp().tls(serverTls(Engine.AUTO)).source();
        try (Received in = new Received(source)) {
            Cli.Result r = Cli.run("line one\nline two\n", "openssl",
                    "s_client", "-connect", "127.0.0.1:" + in.port, "-CAfile", ca.toString(),
                    "-cert", client.cert().toString(), "-key", client.key().toString(),
                    "-verify_return_error", "-verify_ip", "127.0.0.1", "-quiet", "-no_ign_eof");
            assertThat(r.code()).as(r.err()).isZero();
            List<Message> got = in.await(2);
            assertThat(got).extracting(Message::payloadUtf8).containsExactly("line one", "line two");
            assertThat(got.get(0).header("client")).hasValue("device-9");
        }
    }

    @Test
    void refusalsAreCountedAsTlsAndOtherClientsAreUnaffected() throws Exception {
        TcpSource source = Transports.tcp().framing(Framing.lengthPrefixed()).tls(serverTls(Engine.AUTO)).source();
        try (Received in = new Received(source)) {
            // plaintext client: its bytes never become a message
            try (Socket s = new Socket("127.0.0.1", in.port)) {
                OutputStream out = s.getOutputStream();
                out.write(new byte[] {0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'});
                out.flush();
                s.setSoTimeout((int) Received.WAIT.toMillis());
                assertThat(s.getInputStream().read(new byte[64])).as("server closes").isLessThanOrEqualTo(64);
            }
            Received.until(() -> source.metrics().errors("tls") >= 1, "plaintext client counted as tls");

            // a client that trusts another CA refuses the server
            TestPki other = new TestPki("Other CA");
            Path otherCa = other.writeCa(dir, "other-ca");
            assertThatThrownBy(() -> Transports.tcp().host("localhost").port(in.port).framing(Framing.lengthPrefixed())
                    .tls(TlsOptions.client(otherCa).withCertificate(client.cert(), client.key())).sink()
                    .write(Flux.just(Message.ofUtf8("untrusted"))).block(Received.WAIT)).isNotNull();

            // a client without a certificate is refused by the server (mutual TLS)
            long before = source.metrics().errors("tls");
            try {
                Transports.tcp().host("localhost").port(in.port).framing(Framing.lengthPrefixed())
                        .tls(TlsOptions.client(ca)).sink()
                        .write(Flux.just(Message.ofUtf8("no certificate"))).block(Received.WAIT);
            } catch (RuntimeException expected) {
                // TLS 1.3: the client may learn of the refusal only after its write
            }
            Received.until(() -> source.metrics().errors("tls") > before, "missing client certificate counted");

            // the good client still gets through, and nothing else arrived
            Transports.tcp().host("localhost").port(in.port).framing(Framing.lengthPrefixed())
                    .tls(clientTls(Engine.AUTO)).sink()
                    .write(Flux.just(Message.of("good".getBytes(StandardCharsets.UTF_8)))).block(Received.WAIT);
            assertThat(in.await(1)).extracting(Message::payloadUtf8).containsExactly("good");
            assertThat(source.metrics().errors("auth")).isZero();
        }
    }

    @Test
    void hostnameIsVerifiedBySinks() throws Exception {
        TestPki.Files2 elsewhere = pki.issue("elsewhere", List.of("elsewhere.example"), List.of())
                .write(dir, "elsewhere");
        TcpSource source = Transports.tcp().framing(Framing.lengthPrefixed())
                .tls(TlsOptions.server(elsewhere.cert(), elsewhere.key())).source();
        try (Received in = new Received(source)) {
            assertThatThrownBy(() -> Transports.tcp().host("localhost").port(in.port).framing(Framing.lengthPrefixed())
                    .tls(TlsOptions.client(ca)).sink()
                    .write(Flux.just(Message.ofUtf8("wrong host"))).block(Received.WAIT))
                    .hasStackTraceContaining("elsewhere");
            Transports.tcp().host("localhost").port(in.port).framing(Framing.lengthPrefixed())
                    .tls(TlsOptions.client(ca).withVerifyHostname(false)).sink()
                    .write(Flux.just(Message.ofUtf8("lax"))).block(Received.WAIT);
            assertThat(in.await(1)).extracting(Message::payloadUtf8).containsExactly("lax");
            assertThat(in.messages.get(0).header("client")).isEmpty();
        }
    }
}
