package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.overflow.Overflow;
import io.sluice.persist.Fsync;
import io.sluice.persist.PersistentOverflow;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/** {@code sluice buffer check|inspect|repair} and {@code sluice validate} on logs a persistent stage left behind. */
class BufferCommandTest {

    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int sluice(String... args) {
        picocli.CommandLine cl = new picocli.CommandLine(new SluiceCli());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    /** 30 records appended, the first 10 delivered (so acknowledged), then the stage closed. */
    private Path logWithBacklog() throws Exception {
        Path dir = tmp.resolve("log");
        PersistentOverflow stage = Overflow.persistent(dir).fsync(Fsync.ALWAYS).build();
        BaseSubscriber<Message> ten = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                s.request(10);
            }
        };
        stage.apply(Flux.range(0, 30).map(i -> Message.builder()
                .payload(("payload-" + i + "-" + "x".repeat(40)).getBytes(StandardCharsets.UTF_8))
                .header("n", String.valueOf(i)).build())).subscribe(ten);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((stage.appended() < 30 || stage.delivered() < 10) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(stage.appended()).isEqualTo(30);
        ten.dispose();
        stage.close();
        return dir;
    }

    private static Path segment(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".seg")).findFirst().orElseThrow();
        }
    }

    @Test
    void checkAndInspectACleanLog() throws Exception {
        Path dir = logWithBacklog();
        assertThat(sluice("buffer", "check", dir.toString())).isZero();
        assertThat(out.toString()).contains("1 segment(s), 30 record(s), 20 unacknowledged")
                .contains("acknowledged up to offset 10").contains("clean");

        out.getBuffer().setLength(0);
        assertThat(sluice("buffer", "inspect", dir.toString(), "--from", "9", "--limit", "2")).isZero();
        String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).startsWith("offset=9 acked=yes").contains("payload-9-");
        assertThat(lines[1]).startsWith("offset=10 acked=no").contains("n=10");
    }

    @Test
    void checkFindsCorruptionRepairQuarantinesItAndValidateReportsIt() throws Exception {
        Path dir = logWithBacklog();
        Path seg = segment(dir);
        byte[] b = Files.readAllBytes(seg);
        int at = new String(b, StandardCharsets.ISO_8859_1).indexOf("payload-15-");
        assertThat(at).isPositive();
        b[at + 3] ^= 0x20;
        Files.write(seg, b);

        Path yaml = Files.writeString(tmp.resolve("gw.yaml"), "pipelines:\n  - name: durable\n"
                + "    source: {type: generator}\n    overflow: {policy: persistent, path: '" + dir + "'}\n"
                + "    sink: {type: discard}\n");
        assertThat(sluice("validate", yaml.toString())).as(out + " " + err).isEqualTo(1);
        assertThat(out.toString()).contains("valid, 1 pipeline(s)").contains("pipeline 'durable' log " + dir)
                .contains("corrupt: ").contains("CORRUPT: 1 range(s)");

        out.getBuffer().setLength(0);
        assertThat(sluice("buffer", "check", dir.toString())).isEqualTo(1);
        assertThat(out.toString()).contains("19 unacknowledged").contains("CORRUPT");

        out.getBuffer().setLength(0);
        assertThat(sluice("buffer", "repair", dir.toString())).isZero();
        assertThat(out.toString()).contains("quarantined ").contains("rewrote ");
        try (Stream<Path> q = Files.list(dir.resolve("quarantine"))) {
            assertThat(q.toList()).hasSize(1);
        }

        out.getBuffer().setLength(0);
        assertThat(sluice("buffer", "check", dir.toString())).isZero();
        assertThat(out.toString()).contains("19 unacknowledged").contains("clean");
        out.getBuffer().setLength(0);
        assertThat(sluice("validate", yaml.toString())).isZero();
    }

    @Test
    void repairIsRefusedWhileAGatewayHasTheLogOpenAndMissingDirectoriesAreUsageErrors() throws Exception {
        Path dir = logWithBacklog();
        try (PersistentOverflow open = Overflow.persistent(dir).build()) {
            assertThat(sluice("buffer", "repair", dir.toString())).isEqualTo(2);
            assertThat(err.toString()).contains(dir.toString());
        }
        err.getBuffer().setLength(0);
        assertThat(sluice("buffer", "check", tmp.resolve("nope").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("nope: not a directory");
    }
}
