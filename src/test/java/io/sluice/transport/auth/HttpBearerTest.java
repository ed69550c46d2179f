package io.sluice.transport.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.sluice.transport.tls.TestPkiAccess;
import io.sluice.transport.tls.TlsContext;
import io.sluice.transport.tls.TlsOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The HTTP wiring of bearer tokens as the HTTP source will do it, driven by {@code curl} over HTTPS:
 * right token 200 with the identity, wrong or missing token 401 with a {@code WWW-Authenticate}
 * challenge, the request body never read for refused requests.
 */
class HttpBearerTest {

    @TempDir
    Path dir;

    @Test
    void curlWithRightWrongAndMissingToken() throws Exception {
        TestPkiAccess pki = new TestPkiAccess(dir);
        Path tokens = Files.writeString(dir.resolve("tokens.txt"), "shop-12:" + TokenAuthenticatorTest.ALICE + "\n");
        List<String> refusals = new CopyOnWriteArrayList<>();
        try (TlsContext tls = TlsContext.open(TlsOptions.server(pki.serverCert, pki.serverKey), "https");
                TokenAuthenticator auth = TokenAuthenticator.open(tokens, Duration.ZERO, "https")) {
            DisposableServer http = HttpServer.create().host("127.0.0.1").port(0).secure(tls.sslSpec())
                    .handle((req, res) -> {
                        String header = req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
                        Optional<String> who = auth.authenticateHeader(header);
                        if (who.isEmpty()) {
                            refusals.add(header == null ? "missing" : "wrong");
                            return res.status(HttpResponseStatus.UNAUTHORIZED)
                                    .header(HttpHeaderNames.WWW_AUTHENTICATE, BearerTokens.CHALLENGE).send();
                        }
                        return res.sendString(req.receive().aggregate().asString().defaultIfEmpty("")
                                .map(b -> who.get() + " sent " + b));
                    })
                    .bindNow(Duration.ofSeconds(10));
            try {
                String url = "https://localhost:" + http.port() + "/ingest";
                String resolve = "localhost:" + http.port() + ":127.0.0.1";
                assertThat(curl("--resolve", resolve, "--cacert", pki.ca.toString(), "-H",
                        "Authorization: Bearer " + TokenAuthenticatorTest.ALICE, "--data-binary", "m1", url))
                        .isEqualTo("200 shop-12 sent m1");
                assertThat(curl("--resolve", resolve, "--cacert", pki.ca.toString(), "-H",
                        "Authorization: Bearer nope", "--data-binary", "m2", url)).isEqualTo("401 ");
                assertThat(curl("--resolve", resolve, "--cacert", pki.ca.toString(), "--data-binary", "m3", url))
                        .isEqualTo("401 ");
                assertThat(curl("--resolve", resolve, "--cacert", pki.ca.toString(), "-o", "/dev/null", "-D", "-",
                        url)).contains("www-authenticate: Bearer realm=\"sluice\"");
                assertThat(refusals).containsExactly("wrong", "missing", "missing");
            } finally {
                http.disposeNow(Duration.ofSeconds(10));
            }
        }
    }

    /** @return {@code "<status> <body>"} */
    private static String curl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "-w", "%{http_code}"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (out.contains("HTTP/")) {
            return out;
        }
        return out.substring(out.length() - 3) + " " + out.substring(0, out.length() - 3);
    }

}
