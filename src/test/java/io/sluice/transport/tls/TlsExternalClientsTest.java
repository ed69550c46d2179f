package io.sluice.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.SslHandler;
import io.sluice.transport.tls.TlsOptions.Engine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * Servers built from {@link TlsContext} against real clients outside the JVM: {@code curl} (HTTPS, with
 * and without a client certificate) and {@code openssl s_client} (raw TLS), plus reactor-netty's
 * {@code HttpClient}; on both engines.
 */
class TlsExternalClientsTest {

    @TempDir
    Path dir;
    Path ca;
    TestPki.Files2 server;
    TestPki.Files2 client;

    @BeforeEach
    void pki() throws Exception {
        TestPki pki = new TestPki("Sluice Test CA");
        ca = pki.writeCa(dir, "ca");
        server = pki.localhost("server").write(dir, "server");
        client = pki.issue("sensor-3", List.of(), List.of()).write(dir, "client");
    }

    @ParameterizedTest
    @EnumSource(names = {"OPENSSL", "JDK"})
    void curlPostsOverHttpsAndMutualTls(Engine engine) throws Exception {
        TlsOptions opts = TlsOptions.server(server.cert(), server.key()).withEngine(engine).withClientCa(ca);
        try (TlsContext tls = TlsContext.open(opts, "https")) {
            DisposableServer http = HttpServer.create().host("127.0.0.1").port(0)
                    .secure(tls.sslSpec())
                    .handle((req, res) -> {
                        String who = PeerIdentity.from(channelOf(req)).map(PeerIdentity::name).orElse("?");
                        return res.sendString(req.receive().aggregate().asString()
                                .defaultIfEmpty("").map(body -> "got " + body + " from " + who));
                    })
                    .bindNow(TlsEcho.WAIT);
            try {
                String url = "https://localhost:" + http.port() + "/ingest";
                String resolve = "localhost:" + http.port() + ":127.0.0.1";
                Result ok = run(null, "curl", "-sS", "--max-time", "10", "--resolve", resolve, "--cacert",
                        ca.toString(), "--cert", client.cert().toString(), "--key", client.key().toString(),
                        "--data-binary", "payload-1", url);
                assertThat(ok.out).as(ok.err).isEqualTo("got payload-1 from sensor-3");

                Result noCert = run(null, "curl", "-sS", "--max-time", "10", "--resolve", resolve, "--cacert",
                        ca.toString(), "--data-binary", "payload-2", url);
                assertThat(noCert.code).isNotZero();
                assertThat(noCert.out).isEmpty();

                Result untrusted = run(null, "curl", "-sS", "--max-time", "10", "--resolve", resolve,
                        "--cert", client.cert().toString(), "--key", client.key().toString(), url);
                assertThat(untrusted.code).isEqualTo(60); // peer certificate cannot be authenticated

                Result tls11 = run(null, "curl", "-sS", "--max-time", "10", "--resolve", resolve, "--cacert",
                        ca.toString(), "--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0", url);
                assertThat(tls11.code).as("TLS 1.1 refused").isNotZero();

                try (TlsContext c = TlsContext.open(TlsOptions.client(ca).withEngine(engine)
                        .withCertificate(client.cert(), client.key()), "http client")) {
                    String body = HttpClient.create().secure(c.sslSpec())
                            .post().uri("https://127.0.0.1:" + http.port() + "/ingest")
                            .send(reactor.netty.ByteBufFlux.fromString(Mono.just("payload-3")))
                            .responseSingle((r, b) -> b.asString()).block(TlsEcho.WAIT);
                    assertThat(body).isEqualTo("got payload-3 from sensor-3");
                }
            } finally {
                http.disposeNow(TlsEcho.WAIT);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"OPENSSL", "JDK"})
    void opensslSClientTalksTls13AndTls12ButNotTls11(Engine engine) throws Exception {
        TlsOptions opts = TlsOptions.server(server.cert(), server.key()).withEngine(engine);
        try (TlsContext tls = TlsContext.open(opts, "tcp"); TlsEcho echo = new TlsEcho(tls)) {
            String connect = "127.0.0.1:" + echo.port();
            for (String version : new String[] {"-tls1_3", "-tls1_2"}) {
                Result r = run("hello\nquit\n", "openssl", "s_client", "-connect", connect, version,
                        "-CAfile", ca.toString(), "-verify_return_error", "-verify_ip", "127.0.0.1", "-quiet");
                assertThat(r.out).as(version + ": " + r.err).isEqualTo("hello from anonymous\n");
            }
            // SECLEVEL=0 lets OpenSSL 3's client offer TLS 1.1, so the refusal is the server's.
            Result old = run("hello\nquit\n", "openssl", "s_client", "-connect", connect, "-tls1_1",
                    "-cipher", "DEFAULT@SECLEVEL=0", "-CAfile", ca.toString(), "-quiet");
            assertThat(old.code).isNotZero();
            assertThat(old.out).isEmpty();
            assertThat(echo.handled).hasValue(2);
        }
    }

    private static io.netty.channel.Channel channelOf(reactor.netty.http.server.HttpServerRequest req) {
        io.netty.channel.Channel[] ch = new io.netty.channel.Channel[1];
        req.withConnection(c -> ch[0] = c.channel());
        // HTTP/1.1 runs on the connection's own channel, which carries the SslHandler.
        return ch[0].pipeline().get(SslHandler.class) != null ? ch[0] : ch[0].parent();
    }

    record Result(int code, String out, String err) {
    }

    static Result run(String stdin, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.US_ASCII));
            p.getOutputStream().flush();
        }
        // s_client -quiet ignores end of input; the server closes after "quit".
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
