package io.sluice.transport.kafka;

import io.sluice.Message;
import io.sluice.transport.Transports;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * An archiver gateway in its own JVM, for {@link KafkaGroupProcessTest}: a {@link KafkaSource} (one
 * group member) whose subscriber appends one line per record ({@code partition-less id}) to a file
 * before returning from {@code onNext}, so a record acknowledged on emit is in the file. It handles at
 * most about 2,000 records per second, so that the test can kill it mid-stream.
 *
 * <p>Arguments: bootstrap servers, topic, group, output file.
 */
public final class ArchiverProcess {

    private ArchiverProcess() {
    }

    /**
     * @param args bootstrap, topic, group, file
     * @throws Exception on any failure (the process then exits non-zero)
     */
    public static void main(String[] args) throws Exception {
        KafkaSource source = Transports.kafka().bootstrap(args[0]).topics(args[1]).group(args[2])
                .name("archiver").maxInFlight(500).commitInterval(Duration.ofMillis(200))
                .timeout(Duration.ofSeconds(30))
                .properties(Map.of("session.timeout.ms", "2000", "heartbeat.interval.ms", "300"))
                .source();
        CountDownLatch done = new CountDownLatch(1);
        try (OutputStream out = new FileOutputStream(args[3], true)) {
            int[] n = {0};
            source.flux().subscribe(m -> write(out, m, n), e -> {
                e.printStackTrace();
                done.countDown();
            }, done::countDown);
            done.await();
        }
        System.exit(1);
    }

    private static void write(OutputStream out, Message m, int[] n) {
        try {
            out.write((m.headers().get("i") + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            if (++n[0] % 4 == 0) {
                Thread.sleep(2);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
