package io.sluice.transport.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * At least once across a crash, in separate JVMs: two {@link ArchiverProcess} members of one group
 * share a 4-partition topic; one is killed with SIGKILL mid-stream; the other takes over its
 * partitions from the last committed offsets. Every produced record must end up in the archive files,
 * and the duplicates (records the killed member wrote but had not committed) stay within what it
 * handles in about one second, far fewer than it had written.
 */
class KafkaGroupProcessTest {

    private static final int TOTAL = 20_000;
    /** Records the victim must have written before the kill: well above the duplicate bound. */
    private static final int BEFORE_KILL = 5_000;
    /** About one second of an archiver's work (it handles at most ~2,000 records/s; commits every 200 ms). */
    private static final int DUPLICATE_BOUND = 2_000;
    private static KafkaTestBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaTestBroker.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private Process archiver(String name) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", ArchiverProcess.class.getName(),
                broker.bootstrap(), "archive", "archivers", dir.resolve(name + ".txt").toString());
        pb.redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        return pb.start();
    }

    private List<String> lines(String name) throws IOException {
        Path p = dir.resolve(name + ".txt");
        if (!Files.exists(p)) {
            return List.of();
        }
        String text = Files.readString(p, StandardCharsets.US_ASCII);
        List<String> out = new ArrayList<>();
        for (String l : text.split("\n")) {
            if (!l.isEmpty()) {
                out.add(l);
            }
        }
        return out;
    }

    @Test
    void killedArchiverLosesNothingAndDuplicatesStayBounded() throws Exception {
        long t0 = System.nanoTime();
        broker.createTopic("archive", 4);
        Process victim = archiver("victim");
        Process survivor = archiver("survivor");
        try {
            broker.client().topic("archive").keyHeader("device").sink()
                    .write(Flux.range(0, TOTAL).map(i -> KafkaRoundTripTest.message(i, 18))).block(Duration.ofSeconds(60));
            KafkaFlowControlTest.await(() -> count("victim") >= BEFORE_KILL && count("survivor") > 0,
                    "both archivers working, the victim past " + BEFORE_KILL);
            long kill = System.nanoTime();
            victim.destroyForcibly();
            assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
            int written = count("victim");
            KafkaFlowControlTest.await(() -> distinct() == TOTAL, "every record archived");
            System.err.printf("archivers: killed after %d ms with %d written; complete %d ms after the kill; "
                    + "%d duplicates%n", (kill - t0) / 1_000_000, written, (System.nanoTime() - kill) / 1_000_000,
                    written + count("survivor") - TOTAL);
            assertThat(survivor.isAlive()).as("survivor still running").isTrue();
            int all = written + count("survivor");
            int duplicates = all - TOTAL;
            assertThat(written).isGreaterThanOrEqualTo(BEFORE_KILL);
            assertThat(duplicates).as("duplicates (victim wrote %d)", written).isBetween(0, DUPLICATE_BOUND);
        } finally {
            victim.destroyForcibly();
            survivor.destroyForcibly();
            survivor.waitFor(30, TimeUnit.SECONDS);
            dumpLogOnFailure();
        }
    }

    private int count(String name) {
        try {
            return lines(name).size();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private int distinct() {
        try {
            Set<String> ids = new HashSet<>(lines("victim"));
            ids.addAll(lines("survivor"));
            return ids.size();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void dumpLogOnFailure() throws IOException {
        for (String n : List.of("victim", "survivor")) {
            File f = dir.resolve(n + ".log").toFile();
            if (f.length() > 0) {
                System.err.println("--- " + n + " log ---\n" + Files.readString(f.toPath()));
            }
        }
    }
}
