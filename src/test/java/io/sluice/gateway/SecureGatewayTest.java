package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.tls.TestPkiAccess;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls:} and {@code auth:} in a gateway file, as a user writes them (file names relative to the
 * file): an HTTPS source with client certificates and tokens feeds a TCP sink over mutual TLS into a
 * second pipeline's TLS TCP source (started first); steps filter on the {@code client} header each hop sets; refusals
 * show in {@code sluice_transport_errors_total}. And validation: a missing file is reported with its line.
 */
class SecureGatewayTest {

    @TempDir
    Path dir;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private Gateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.cancel();
        }
    }

    @Test
    void httpsWithTokensIntoTcpOverMutualTls() throws Exception {
        new TestPkiAccess(dir); // ca.pem, server.pem, server-key.pem, client.pem, client-key.pem (CN device-9)
        Files.writeString(dir.resolve("tokens.txt"), "shop-12:Tok3n-for-shop-12\n");
        int https = Ports.freeTcpPort();
        int tcp = Ports.freeTcpPort();
        Path out = dir.resolve("out.log");
        String yaml = "pipelines:\n"
                + "  - name: core\n"
                + "    source: {type: tcp, host: 127.0.0.1, port: " + tcp + ",\n"
                + "             tls: {cert: server.pem, key: server-key.pem, clientCa: ca.pem}}\n"
                + "    steps:\n"
                + "      - {type: filter-header, name: client, equals: device-9}\n"
                + "    sink: {type: file, path: " + out + ", flushInterval: 100ms}\n"
                + "  - name: edge\n"
                + "    source: {type: http, host: 127.0.0.1, port: " + https + ", path: /ingest,\n"
                + "             tls: {cert: server.pem, key: server-key.pem, clientCa: ca.pem},\n"
                + "             auth: {tokensFile: tokens.txt}}\n"
                + "    steps:\n"
                + "      - {type: filter-header, name: client, equals: shop-12}\n"
                + "    sink: {type: tcp, host: localhost, port: " + tcp + ",\n"
                + "           tls: {ca: ca.pem, cert: client.pem, key: client-key.pem}}\n";
        Path file = Files.writeString(dir.resolve("gateway.yaml"), yaml);
        gateway = Gateway.start(GatewayConfig.load(file), registry, new EventDispatcher(), new ByteArrayOutputStream());

        String url = "https://localhost:" + https + "/ingest";
        List<String> base = List.of("curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}",
                "--resolve", "localhost:" + https + ":127.0.0.1", "--cacert", dir.resolve("ca.pem").toString(),
                "--cert", dir.resolve("client.pem").toString(), "--key", dir.resolve("client-key.pem").toString());
        assertThat(curl(base, url, "-H", "Authorization: Bearer Tok3n-for-shop-12", "--data-binary", "reading-1"))
                .isEqualTo("202");
        assertThat(curl(base, url, "--data-binary", "no-token")).isEqualTo("401");
        assertThat(curl(base, url, "-H", "Authorization: Bearer wrong", "--data-binary", "wrong-token"))
                .isEqualTo("401");
        assertThat(curl(base, url, "-H", "Authorization: Bearer Tok3n-for-shop-12", "--data-binary", "reading-2"))
                .isEqualTo("202");

        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < end && !(Files.exists(out) && Files.readString(out).contains("reading-2"))) {
            Thread.sleep(50);
        }
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo("reading-1\nreading-2\n");
        assertThat(errors("edge", "http", "auth")).isEqualTo(2.0);
        assertThat(errors("core", "tcp", "tls")).isZero(); // nothing refused
    }

    private static String curl(List<String> base, String url, String... extra) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(base);
        cmd.addAll(List.of(extra));
        cmd.add(url);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }

    private double errors(String pipeline, String transport, String reason) {
        String series = "sluice_transport_errors_total{pipeline=\"" + pipeline + "\",reason=\"" + reason
                + "\",transport=\"" + transport + "\"}";
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(registry.scrape());
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    @Test
    void validationNamesMissingFilesAndBadCombinationsWithTheirLines() throws Exception {
        new TestPkiAccess(dir);
        String yaml = "pipelines:\n"
                + "  - name: a\n"
                + "    source: {type: http, port: 8443,\n"
                + "             tls: {cert: server.pem,\n"
                + "                   key: missing-key.pem}}\n"
                + "    sink: {type: tcp, port: 9000,\n"
                + "           tls: {clientCa: ca.pem}}\n"
                + "  - name: b\n"
                + "    source: {type: http, port: 9001, tls: {cert: client.pem, key: server-key.pem}}\n"
                + "    sink: {type: discard}\n"
                + "  - name: c\n"
                + "    source: {type: websocket, port: 9002, tls: {cert: server.pem, key: server-key.pem},\n"
                + "             auth: {tokensFile: nope.txt}}\n"
                + "    sink: {type: discard}\n";
        Path file = Files.writeString(dir.resolve("bad.yaml"), yaml);
        assertThatThrownBy(() -> GatewayConfig.load(file)).isInstanceOfSatisfying(ConfigException.class, e -> {
            String all = e.errors().toString();
            assertThat(e.errors()).anySatisfy(x -> {
                assertThat(x.line()).isEqualTo(5);
                assertThat(x.message()).contains("tls.key: no such file " + dir.resolve("missing-key.pem"));
            });
            assertThat(e.errors()).as(all).anySatisfy(x -> {
                assertThat(x.line()).isEqualTo(7);
                assertThat(x.message()).contains("tls.clientCa: applies to sources");
            });
            assertThat(e.errors()).as(all).anySatisfy(x -> {
                assertThat(x.line()).isEqualTo(9);
                assertThat(x.message()).contains("pipeline 'b' source http").contains("does not belong");
            });
            assertThat(e.errors()).as(all).anySatisfy(x -> {
                assertThat(x.line()).isEqualTo(13);
                assertThat(x.message()).contains("auth.tokensFile: no such file " + dir.resolve("nope.txt"));
            });
        });
    }
}
