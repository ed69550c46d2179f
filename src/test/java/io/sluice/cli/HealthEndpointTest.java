package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.gateway.Ports;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /health/live} and {@code /health/ready} of a real {@code sluice run} process: ready only
 * after every bind, and not ready from SIGTERM on while a source still accepts (the stop drains a
 * slow pipeline first). Uses the test-only {@code gated} source (binds once a file exists) and
 * {@code slow} sink (one message per 100 ms).
 */
class HealthEndpointTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;

    @AfterEach
    void kill() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    @Test
    void readyOnlyAfterEveryBindAndNotReadyFromSigtermWhileASourceStillAccepts() throws Exception {
        int admin = Ports.freeTcpPort();
        int tcp = Ports.freeTcpPort();
        int gated = Ports.freeTcpPort();
        Path gate = tmp.resolve("gate");
        Path out = tmp.resolve("out.txt");
        Path config = Files.writeString(tmp.resolve("gw.yaml"), "admin: {host: 127.0.0.1, port: " + admin + "}\n"
                + "drainTimeout: 30s\n"
                + "pipelines:\n"
                + "  - name: ingest\n"
                + "    source: {type: tcp, host: 127.0.0.1, port: " + tcp + "}\n"
                + "    sink: {type: file, path: '" + out + "', flushInterval: 20ms}\n"
                + "  - name: late\n"
                + "    source: {type: gated, port: " + gated + ", file: '" + gate + "'}\n"
                + "    sink: {type: discard}\n"
                + "  - name: slow\n"
                + "    source: {type: generator, interval: 1ms, size: 8}\n"
                + "    overflow: {policy: block, capacity: 30}\n"
                + "    sink: {type: slow, delay: 100ms}\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                SluiceCli.class.getName(), "run", config.toString()))
                .redirectError(tmp.resolve("stderr.txt").toFile())
                .redirectOutput(tmp.resolve("stdout.txt").toFile())
                .start();
        String base = "http://127.0.0.1:" + admin;

        // starting: the admin server answers before the pipelines bind; 'late' cannot bind yet
        HttpResponse<String> starting = await(base + "/health/ready", r -> r.statusCode() == 503
                && r.body().contains("{\"name\":\"ingest\",\"state\":\"running\"}"));
        assertThat(starting.body()).startsWith("{\"status\":\"starting\"")
                .contains("{\"name\":\"late\",\"state\":\"starting\"}")
                .contains("{\"name\":\"slow\",\"state\":\"starting\"}");
        assertThat(starting.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(accepts(gated)).as("the gated source has not bound").isFalse();
        assertThat(get(base + "/health/live").statusCode()).isEqualTo(200);
        assertThat(get(base + "/health/ready").statusCode()).as("still starting").isEqualTo(503);

        Files.writeString(gate, "go");
        HttpResponse<String> ready = await(base + "/health/ready", r -> r.statusCode() == 200);
        assertThat(accepts(gated)).as("200 only once every source has bound").isTrue();
        assertThat(accepts(tcp)).isTrue();
        assertThat(ready.body()).isEqualTo("{\"status\":\"ready\",\"pipelines\":["
                + "{\"name\":\"ingest\",\"state\":\"running\"},{\"name\":\"late\",\"state\":\"running\"},"
                + "{\"name\":\"slow\",\"state\":\"running\"}]}");

        // SIGTERM: 'slow' (no server source) drains first, one message per 100 ms; readiness is 503 at once
        process.destroy();
        HttpResponse<String> draining = await(base + "/health/ready", r -> r.statusCode() == 503);
        assertThat(draining.body()).startsWith("{\"status\":\"draining\"")
                .as("503 from the start of the stop, while the first pipeline to stop still drains")
                .contains("{\"name\":\"slow\",\"state\":\"draining\"}");
        assertThat(process.isAlive()).as("still draining").isTrue();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), tcp)) {
            OutputStream o = s.getOutputStream();
            o.write("sent-after-not-ready\n".getBytes(StandardCharsets.US_ASCII));
            o.flush();
        }
        HttpResponse<String> stillDraining = get(base + "/health/ready");
        assertThat(stillDraining.statusCode()).isEqualTo(503);
        assertThat(stillDraining.body()).contains("{\"name\":\"ingest\",\"state\":\"draining\"}");
        assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(read(tmp.resolve("stderr.txt"))).isZero();
        assertThat(Files.readAllLines(out)).as("the source accepted after readiness turned 503")
                .containsExactly("sent-after-not-ready");
    }

    private HttpResponse<String> await(String url, Predicate<HttpResponse<String>> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            assertThat(process.isAlive()).as("sluice run exited: %s", read(tmp.resolve("stderr.txt"))).isTrue();
            try {
                last = get(url);
                if (condition.test(last)) {
                    return last;
                }
            } catch (IOException notUpYet) {
                // the admin server is not bound yet
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no matching answer from " + url + " within " + WAIT + "; last: "
                + (last == null ? "none" : last.statusCode() + " " + last.body()));
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }
}
