package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP source answers 202 only once a persistent stage made the message durable: with a group
 * commit that never comes within the test ({@code fsync: 1h}) the answer is 503 after
 * {@code acceptTimeout}; with {@code fsync: always} (positive control) and without a persistent
 * stage it is 202.
 */
class DurableHttpAckTest {

    @TempDir
    Path tmp;

    private int post(String overflow, String body) throws Exception {
        int port = DurableGateways.freePort();
        Gateway g = DurableGateways.start("{type: http, host: 127.0.0.1, port: " + port + ", acceptTimeout: 1s}", overflow,
                tmp.resolve("out-" + port + ".txt"));
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ingest"))
                    .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (true) {
                try {
                    return client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (java.net.ConnectException notBoundYet) {
                    assertThat(System.nanoTime()).as("bound within 10 s").isLessThan(deadline);
                    Thread.sleep(20);
                }
            }
        } finally {
            g.stop().block(Duration.ofSeconds(10));
        }
    }

    @Test
    void notDurableWithinTheAcceptTimeoutIs503() throws Exception {
        long t0 = System.nanoTime();
        int status = post("{policy: persistent, path: '" + tmp.resolve("slow") + "', fsync: 1h}", "never forced");
        assertThat(status).isEqualTo(503);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("waited for durability").isGreaterThan(Duration.ofMillis(900));
    }

    @Test
    void durableIs202() throws Exception {
        assertThat(post("{policy: persistent, path: '" + tmp.resolve("always") + "', fsync: always}", "forced")).isEqualTo(202);
        assertThat(post("{policy: persistent, path: '" + tmp.resolve("group") + "', fsync: 10ms}", "group commit"))
                .isEqualTo(202);
    }

    @Test
    void withoutAPersistentStageTheAnswerIsUnchanged() throws Exception {
        assertThat(post("{policy: block, capacity: 16}", "in memory")).isEqualTo(202);
    }
}
