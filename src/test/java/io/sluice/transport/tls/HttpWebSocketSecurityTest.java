package io.sluice.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.sluice.Message;
import io.sluice.transport.Transports;
import io.sluice.transport.auth.AuthOptions;
import io.sluice.transport.http.HttpSource;
import io.sluice.transport.websocket.WebSocketSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * TLS and bearer tokens wired into the HTTP and WebSocket sources and sinks, with real clients:
 * {@code curl} (HTTPS, client certificate, {@code Authorization: Bearer}), reactor-netty's WebSocket
 * client, and Sluice's own sinks ({@code https}/{@code wss}). Refusals answer 401 with the challenge,
 * are counted as {@code auth}, and leave the next client unaffected; the {@code client} header is the
 * token's name, or the certificate's without tokens.
 */
class HttpWebSocketSecurityTest {

    static final String TOKEN = "s3cr3t-Token_1";

    @TempDir
    Path dir;
    Path ca;
    TestPki.Files2 server;
    TestPki.Files2 client;
    Path tokens;

    @BeforeEach
    void files() throws Exception {
        TestPki pki = new TestPki("Sluice Test CA");
        ca = pki.writeCa(dir, "ca");
        server = pki.localhost("server").write(dir, "server");
        client = pki.issue("device-9", List.of(), List.of()).write(dir, "client");
        tokens = Files.writeString(dir.resolve("tokens.txt"), "# test\nshop-12:" + TOKEN + "\n");
    }

    private Cli.Result curl(int port, String... extra) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "-o", "/dev/null",
                "-D", "-", "--resolve", "localhost:" + port + ":127.0.0.1", "--cacert", ca.toString(),
                "--cert", client.cert().toString(), "--key", client.key().toString()));
        cmd.addAll(List.of(extra));
        cmd.add("https://localhost:" + port + "/ingest");
        return Cli.run(null, cmd.toArray(String[]::new));
    }

    @Test
    void httpsWithClientCertificateAndTokenThroughCurl() throws Exception {
        HttpSource source = Transports.http().tls(TlsOptions.server(server.cert(), server.key()).withClientCa(ca))
                .auth(AuthOptions.tokensFile(tokens)).source();
        try (Received in = new Received(source)) {
            Cli.Result ok = curl(in.port, "-H", "Authorization: Bearer " + TOKEN, "--data-binary", "payload-1");
            assertThat(ok.out()).as(ok.err()).startsWith("HTTP/1.1 202");
            Cli.Result missing = curl(in.port, "--data-binary", "payload-2");
            assertThat(missing.out()).startsWith("HTTP/1.1 401").containsIgnoringCase("www-authenticate: Bearer realm=\"sluice\"");
            Cli.Result wrong = curl(in.port, "-H", "Authorization: Bearer not-the-token", "--data-binary", "payload-3");
            assertThat(wrong.out()).startsWith("HTTP/1.1 401");
            Cli.Result noCert = Cli.run(null, "curl", "-sS", "--max-time", "10", "--resolve",
                    "localhost:" + in.port + ":127.0.0.1", "--cacert", ca.toString(), "-H",
                    "Authorization: Bearer " + TOKEN, "--data-binary", "payload-4", "https://localhost:" + in.port + "/ingest");
            assertThat(noCert.code()).as("no client certificate: refused").isNotZero();
            Cli.Result again = curl(in.port, "-H", "Authorization: Bearer " + TOKEN, "--data-binary", "payload-5");
            assertThat(again.out()).startsWith("HTTP/1.1 202");

            List<Message> got = in.await(2);
            assertThat(got).extracting(Message::payloadUtf8).containsExactly("payload-1", "payload-5");
            assertThat(got).allSatisfy(m -> assertThat(m.header("client")).hasValue("shop-12"));
            Received.until(() -> source.metrics().errors("tls") >= 1, "missing client certificate counted");
            assertThat(source.metrics().errors("auth")).isEqualTo(2);
        }
    }

    @Test
    void httpSinkPostsOverMutualTlsByteExact() throws Exception {
        HttpSource source = Transports.http().tls(TlsOptions.server(server.cert(), server.key()).withClientCa(ca))
                .source();
        try (Received in = new Received(source)) {
            byte[] big = new byte[79435];
            new Random(7).nextBytes(big);
            Transports.http().host("localhost").port(in.port)
                    .tls(TlsOptions.client(ca).withCertificate(client.cert(), client.key())).sink()
                    .write(Flux.just(Message.of(big), Message.ofUtf8("small"))).block(Received.WAIT);
            List<Message> got = in.await(2);
            assertThat(got).anySatisfy(m -> assertThat(m.payload()).isEqualTo(big));
            assertThat(got).allSatisfy(m -> assertThat(m.header("client")).hasValue("device-9"));
            // a plaintext sink to the TLS port fails and is counted
            assertThatThrownBy(() -> Transports.http().host("localhost").port(in.port).sink()
                    .write(Flux.just(Message.ofUtf8("plain"))).block(Received.WAIT)).isNotNull();
            Received.until(() -> source.metrics().errors("tls") >= 1, "plaintext client counted as tls");
            assertThat(in.messages).hasSize(2);
        }
    }

    @Test
    void webSocketOverTlsWithTokens() throws Exception {
        WebSocketSource source = Transports.websocket().path("/ws")
                .tls(TlsOptions.server(server.cert(), server.key())).auth(AuthOptions.tokensFile(tokens)).source();
        try (Received in = new Received(source);
             TlsContext c = TlsContext.open(TlsOptions.client(ca), "wss client")) {
            HttpClient wss = HttpClient.create().host("localhost").port(in.port).secure(c.sslSpec());
            assertThatThrownBy(() -> send(wss, null, "no token")).hasStackTraceContaining("401");
            assertThatThrownBy(() -> send(wss, "Bearer wrong", "bad token")).hasStackTraceContaining("401");
            send(wss, "Bearer " + TOKEN, "with token");
            List<Message> got = in.await(1);
            assertThat(got).extracting(Message::payloadUtf8).containsExactly("with token");
            assertThat(got.get(0).header("client")).hasValue("shop-12");
            assertThat(source.metrics().errors("auth")).isEqualTo(2);
        }
    }

    private static void send(HttpClient wss, String authorization, String text) {
        wss.headers(h -> {
            if (authorization != null) {
                h.set(HttpHeaderNames.AUTHORIZATION, authorization);
            }
        }).websocket().uri("/ws").handle((in, out) -> out.sendString(Mono.just(text))
                .then(out.sendClose(1000, null)).then(in.receive().then())).then().block(Received.WAIT);
    }

    @Test
    void webSocketSinkOverMutualTls() throws Exception {
        WebSocketSource source = Transports.websocket().path("/ws")
                .tls(TlsOptions.server(server.cert(), server.key()).withClientCa(ca)).source();
        try (Received in = new Received(source)) {
            byte[] big = new byte[79435];
            new Random(11).nextBytes(big);
            Transports.websocket().host("localhost").port(in.port).path("/ws")
                    .tls(TlsOptions.client(ca).withCertificate(client.cert(), client.key())).sink()
                    .write(Flux.just(Message.ofUtf8("first"), Message.of(big))).block(Received.WAIT);
            List<Message> got = in.await(2);
            assertThat(got.get(0).payloadUtf8()).isEqualTo("first");
            assertThat(got.get(1).payload()).isEqualTo(big);
            assertThat(got).allSatisfy(m -> assertThat(m.header("client")).hasValue("device-9"));
        }
    }
}
