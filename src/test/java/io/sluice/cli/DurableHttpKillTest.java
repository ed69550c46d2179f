package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing answered 202 is lost on {@code kill -9}: an HTTP client posts 20,000 unique messages
 * (64 at a time) to a real {@code sluice run} process with a persistent stage and records which got
 * 202; the gateway is killed with SIGKILL three times at random moments and restarted, and the
 * client posts again whatever got no 202 (503, or no answer). Every 202'd message must be in the sink
 * file ({@link KillHarness}).
 */
class DurableHttpKillTest {

    private static final int IN_FLIGHT = 64;

    @TempDir
    Path tmp;

    /** Posts every message not yet answered 202, {@value #IN_FLIGHT} at a time. */
    static final class Poster extends KillHarness.BitSetSender {

        /**
         * Posts passes over the messages without a 202 until all have one or a request fails (the
         * gateway was killed). A fresh client per session: no pooled connection to a killed gateway.
         */
        @Override
        public void session(int port, long deadlineNanos, Process gateway) throws InterruptedException {
            if (!KillHarness.awaitListening(port, deadlineNanos, gateway)) {
                return;
            }
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2)).build();
            URI uri = URI.create("http://127.0.0.1:" + port + "/ingest");
            Semaphore slots = new Semaphore(IN_FLIGHT);
            AtomicBoolean broken = new AtomicBoolean();
            while (acknowledged() < KillHarness.MESSAGES && !broken.get() && System.nanoTime() < deadlineNanos) {
                for (int i = 0; i < KillHarness.MESSAGES && !broken.get(); i++) {
                    if (isAcknowledged(i)) {
                        continue;
                    }
                    if (!slots.tryAcquire(30, TimeUnit.SECONDS)) {
                        break;
                    }
                    int id = i;
                    HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(KillHarness.payload(id))).build();
                    client.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((res, err) -> {
                        if (res != null && res.statusCode() == 202) {
                            acknowledge(id);
                        } else if (err != null) {
                            broken.set(true); // killed: connection refused or reset; a 503 is sent again
                        }
                        slots.release();
                    });
                }
                // the pass ended: wait (bounded) for its answers before the next pass over what got none
                if (slots.tryAcquire(IN_FLIGHT, 30, TimeUnit.SECONDS)) {
                    slots.release(IN_FLIGHT);
                }
            }
        }
    }

    @Test
    void every202SurvivesTheKills() throws Exception {
        KillHarness.Result r = new KillHarness(tmp).run(port -> "{type: http, host: 127.0.0.1, port: " + port
                + ", acceptTimeout: 10s}", new Poster(), "DurableHttpKillTest");
        assertThat(r.duplicates()).as("duplicates")
                .isLessThanOrEqualTo((long) KillHarness.KILLS * KillHarness.MAX_DUPLICATES_PER_KILL);
    }
}
