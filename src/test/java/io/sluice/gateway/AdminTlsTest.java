package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.health.HealthState;
import io.sluice.transport.tls.TestPkiAccess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin server over TLS, configured as a user writes it ({@code admin: {tls: ...}}, files relative to
 * the configuration file): {@code curl --cacert} reads {@code /metrics}, the dashboard and
 * {@code /health/ready} over https; a plaintext client and a client that does not trust the certificate
 * are refused and counted in {@code sluice_admin_errors_total{reason="tls"}}; with {@code clientCa} a
 * client without a certificate is refused. And a missing file is reported with its line.
 */
class AdminTlsTest {

    @TempDir
    Path dir;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @Test
    void metricsDashboardAndHealthOverHttpsOnly() throws Exception {
        TestPkiAccess pki = new TestPkiAccess(dir);
        Path file = Files.writeString(dir.resolve("gateway.yaml"), "admin:\n"
                + "  host: 127.0.0.1\n"
                + "  port: 0\n"
                + "  tls: {cert: server.pem, key: server-key.pem}\n"
                + "pipelines:\n"
                + "  - {name: a, source: {type: generator, count: 1}, sink: {type: discard}}\n");
        GatewayConfig.Admin a = GatewayConfig.load(file).admin().orElseThrow();
        assertThat(a.tls()).isNotNull();
        assertThat(a.tls().cert()).isEqualTo(pki.serverCert.toAbsolutePath());
        HealthState health = new HealthState();
        try (AdminServer admin = AdminServer.start(a.host(), a.port(), registry, List::of, Duration.ofSeconds(1),
                health, a.tls())) {
            int port = admin.address().getPort();
            assertThat(admin.url()).isEqualTo("https://127.0.0.1:" + port);
            String base = "https://localhost:" + port;
            List<String> trusted = List.of("--resolve", "localhost:" + port + ":127.0.0.1", "--cacert",
                    pki.ca.toString());

            Curl metrics = curl(trusted, base + "/metrics");
            assertThat(metrics.code).isEqualTo("200");
            assertThat(metrics.body).contains("sluice_admin_errors_total");
            Curl page = curl(trusted, base + "/");
            assertThat(page.code).isEqualTo("200");
            assertThat(page.body).contains("<html");
            assertThat(curl(trusted, base + "/health/live").code).isEqualTo("200");
            assertThat(curl(trusted, base + "/health/ready").code).isEqualTo("503"); // still starting

            // refused: plain http to the https port, and a client without the CA
            assertThat(curl(List.of(), "http://127.0.0.1:" + port + "/metrics").code).isEqualTo("000");
            assertThat(curl(List.of("--resolve", "localhost:" + port + ":127.0.0.1"), base + "/metrics").code)
                    .isEqualTo("000");
            assertThat(tlsErrors(2)).isEqualTo(2.0);

            // others unaffected
            assertThat(curl(trusted, base + "/health/live").code).isEqualTo("200");
        }
    }

    @Test
    void clientCaRequiresAClientCertificate() throws Exception {
        TestPkiAccess pki = new TestPkiAccess(dir);
        Path file = Files.writeString(dir.resolve("gateway.yaml"), "admin:\n"
                + "  host: 127.0.0.1\n"
                + "  port: 0\n"
                + "  tls: {cert: server.pem, key: server-key.pem, clientCa: ca.pem}\n"
                + "pipelines:\n"
                + "  - {name: a, source: {type: generator, count: 1}, sink: {type: discard}}\n");
        GatewayConfig.Admin a = GatewayConfig.load(file).admin().orElseThrow();
        try (AdminServer admin = AdminServer.start(a.host(), a.port(), registry, List::of, Duration.ofSeconds(1),
                null, a.tls())) {
            int port = admin.address().getPort();
            List<String> trusted = List.of("--resolve", "localhost:" + port + ":127.0.0.1", "--cacert",
                    pki.ca.toString());
            String url = "https://localhost:" + port + "/metrics";
            assertThat(curl(trusted, url).code).isEqualTo("000");
            List<String> withCert = new ArrayList<>(trusted);
            withCert.addAll(List.of("--cert", pki.clientCert.toString(), "--key", pki.clientKey.toString()));
            assertThat(curl(withCert, url).code).isEqualTo("200");
            assertThat(tlsErrors(1)).isGreaterThanOrEqualTo(1.0);
        }
    }

    @Test
    void aMissingAdminCertificateIsReportedWithItsLine() throws Exception {
        new TestPkiAccess(dir);
        Path file = Files.writeString(dir.resolve("gateway.yaml"), "admin:\n"
                + "  port: 0\n"
                + "  tls: {cert: server.pem,\n"
                + "        key: nope-key.pem}\n"
                + "pipelines:\n"
                + "  - {name: a, source: {type: generator, count: 1}, sink: {type: discard}}\n");
        assertThatThrownBy(() -> GatewayConfig.load(file)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.errors()).anySatisfy(x -> {
                    assertThat(x.line()).isEqualTo(4);
                    assertThat(x.message()).contains("admin tls.key: no such file " + dir.resolve("nope-key.pem"));
                }));
    }

    private record Curl(String code, String body) {
    }

    private static Curl curl(List<String> options, String url) throws Exception {
        Path body = Files.createTempFile("admin-tls", ".out");
        try {
            List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "-o", body.toString(),
                    "-w", "%{http_code}"));
            cmd.addAll(options);
            cmd.add(url);
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            return new Curl(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim(),
                    Files.readString(body));
        } finally {
            Files.deleteIfExists(body);
        }
    }

    /** @return the count once it reached {@code atLeast} (refusals are reported on the server's event loop), or after 5 s */
    private double tlsErrors(double atLeast) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        double v;
        do {
            Matcher m = Pattern.compile("(?m)^sluice_admin_errors_total\\{reason=\"tls\"} (\\S+)$")
                    .matcher(registry.scrape());
            v = m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
            if (v >= atLeast) {
                return v;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < end);
        return v;
    }
}
