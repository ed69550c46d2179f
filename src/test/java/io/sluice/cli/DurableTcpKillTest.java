package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing acknowledged is lost on {@code kill -9}: a sender writes numbered messages to a real
 * {@code sluice run} process over TCP in {@code acks} mode (length-prefixed frames; the gateway
 * writes back cumulative 8-byte counts once messages are durable in its persistent stage); the
 * gateway is killed with SIGKILL three times (scripts/kill-soak.sh: 1,000) at random moments and restarted; the sender reconnects
 * and resends only what was not acknowledged. At the end every message must be in the sink file.
 */
class DurableTcpKillTest {

    /** Messages sent in all; {@code -Dkill.messages} (scripts/kill-soak.sh raises it with the kills). */
    private static final int MESSAGES = Integer.getInteger("kill.messages", 20_000);
    /** SIGKILLs; {@code -Dkill.count} (scripts/kill-soak.sh runs 1,000). */
    private static final int KILLS = Integer.getInteger("kill.count", 3);
    private static final Pattern MSG = Pattern.compile("msg-(\\d+)\\.");

    @TempDir
    Path tmp;

    private Process start(Path config, int run) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java));
        // scripts/kill-soak.sh passes the CLI jar (-Dkill.jar) and JVM flags that shorten a start (-Dkill.jvmArgs:
        // a class-data sharing archive of that jar, C1 only)
        String jvmArgs = System.getProperty("kill.jvmArgs", "").trim();
        if (!jvmArgs.isEmpty()) {
            command.addAll(List.of(jvmArgs.split("\\s+")));
        }
        String jar = System.getProperty("kill.jar", "");
        if (jar.isEmpty()) {
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), SluiceCli.class.getName()));
        } else {
            command.addAll(List.of("-jar", jar)); // the CLI jar: a class-data sharing archive needs jars only
        }
        command.addAll(List.of("run", config.toString()));
        return new ProcessBuilder(command)
                .redirectError(tmp.resolve("stderr-" + run + ".txt").toFile())
                .redirectOutput(tmp.resolve("stdout-" + run + ".txt").toFile())
                .start();
    }

    /** The sender: acknowledged = messages from 0 the gateway confirmed durable, over all connections. */
    private static final class Sender {
        final AtomicLong acknowledged = new AtomicLong();

        /**
         * Sends from the first unacknowledged message until all are acknowledged or the connection
         * breaks; gives up without sending when {@code gateway} dies before it accepted the connection
         * (a session never reaches a later gateway: one session per gateway run).
         */
        void session(int port, long deadlineNanos, Process gateway) throws InterruptedException {
            Socket s = connect(port, deadlineNanos, gateway);
            if (s == null) {
                return;
            }
            long base = acknowledged.get();
            try (s) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                Thread reader = new Thread(() -> {
                    try {
                        while (true) {
                            long count = in.readLong();
                            acknowledged.accumulateAndGet(base + count, Math::max);
                        }
                    } catch (IOException closed) {
                        // the gateway was killed, or we closed
                    }
                }, "acks-reader");
                reader.setDaemon(true);
                reader.start();
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                for (long i = base; i < MESSAGES; i++) {
                    byte[] payload = ("msg-" + i + ".").getBytes(StandardCharsets.US_ASCII);
                    out.writeInt(payload.length);
                    out.write(payload);
                    if (i - acknowledged.get() > 2_000) { // bounded window of unacknowledged messages
                        out.flush();
                        while (i - acknowledged.get() > 1_000 && reader.isAlive() && System.nanoTime() < deadlineNanos) {
                            Thread.sleep(1);
                        }
                    }
                }
                out.flush();
                while (acknowledged.get() < MESSAGES && reader.isAlive() && System.nanoTime() < deadlineNanos) {
                    Thread.sleep(2);
                }
            } catch (IOException broken) {
                // killed while we wrote: reconnect and resend what is not acknowledged
            }
        }

        private static Socket connect(int port, long deadlineNanos, Process gateway) throws InterruptedException {
            while (true) {
                if (!gateway.isAlive()) {
                    return null;
                }
                try {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                    return s;
                } catch (IOException notYet) {
                    if (System.nanoTime() > deadlineNanos) {
                        throw new AssertionError("gateway never accepted a connection on " + port);
                    }
                    Thread.sleep(20);
                }
            }
        }
    }

    private static Thread session(Sender sender, int port, long deadline, Process gateway) {
        Thread t = new Thread(() -> {
            try {
                sender.session(port, deadline, gateway);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sender");
        t.start();
        return t;
    }

    @Test
    void everyAcknowledgedMessageSurvivesTheKills() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path out = tmp.resolve("out.txt");
        Path config = Files.writeString(tmp.resolve("gw.yaml"), "drainTimeout: 10s\n"
                + "pipelines:\n"
                + "  - name: durable\n"
                + "    source: {type: tcp, host: 127.0.0.1, port: " + port + ", framing: length-prefixed, acks: true}\n"
                + "    overflow: {policy: persistent, path: '" + tmp.resolve("log") + "', fsync: 10ms}\n"
                + "    sink: {type: file, path: '" + out + "', append: true, flushInterval: 20ms}\n");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.getLong("kill.seconds", 120));
        Sender sender = new Sender();
        long seed = Long.getLong("kill.seed", System.nanoTime());
        Random random = new Random(seed);
        // messages acknowledged between kills, about (scripts/kill-soak.sh: 500; the sender overshoots until the kill lands)
        long step = Long.getLong("kill.step", MESSAGES / (KILLS + 1));
        long[] ackedAtKill = new long[KILLS];
        int run = 0;
        Process gateway = start(config, run);
        try {
            for (int k = 0; k < KILLS; k++) {
                // kill once at least ~step more messages are acknowledged, plus a random delay
                long target = sender.acknowledged.get() + step / 2 + random.nextInt((int) step);
                assertThat(target).as("messages left for kill %d of %d (raise -Dkill.messages)", k + 1, KILLS)
                        .isLessThan(MESSAGES);
                Thread session = session(sender, port, deadline, gateway);
                int retries = 0;
                while (sender.acknowledged.get() < target && System.nanoTime() < deadline) {
                    if (!gateway.isAlive()) {
                        // A start that failed (exit 2: e.g. not bound within 10 s on an overloaded machine) is
                        // not a loss; start again, a few times at most. Anything else is a failure.
                        String err = read(tmp.resolve("stderr-" + run + ".txt"));
                        assertThat(gateway.exitValue() == SluiceCli.CANNOT_START && retries++ < 3)
                                .as("gateway died (exit %d): %s", gateway.exitValue(), err).isTrue();
                        gateway = start(config, ++run);
                        session.join(TimeUnit.SECONDS.toMillis(30));
                        session = session(sender, port, deadline, gateway);
                    }
                    Thread.sleep(1);
                }
                assertThat(sender.acknowledged.get()).as("run %d resumed and acknowledged up to %d (seed %d)", run,
                        target, seed).isGreaterThanOrEqualTo(target);
                Thread.sleep(random.nextInt(50)); // kill at a random moment after the threshold
                ackedAtKill[k] = sender.acknowledged.get();
                gateway.destroyForcibly(); // SIGKILL
                assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
                session.join(TimeUnit.SECONDS.toMillis(30));
                assertThat(session.isAlive()).as("the sender's session ended with its gateway").isFalse();
                Files.deleteIfExists(tmp.resolve("stdout-" + run + ".txt"));
                Files.deleteIfExists(tmp.resolve("stderr-" + run + ".txt"));
                gateway = start(config, ++run);
            }
            sender.session(port, deadline, gateway);
            assertThat(sender.acknowledged.get()).as("all acknowledged in the last run").isEqualTo(MESSAGES);
            gateway.destroy(); // SIGTERM: drain the file sink and stop
            assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(gateway.exitValue()).as(read(tmp.resolve("stdout-" + run + ".txt"))).isZero();
        } finally {
            gateway.destroyForcibly();
        }

        BitSet seen = new BitSet(MESSAGES);
        long total = 0;
        Matcher m = MSG.matcher(Files.readString(out, StandardCharsets.US_ASCII));
        while (m.find()) {
            seen.set(Integer.parseInt(m.group(1)));
            total++;
        }
        assertThat(ackedAtKill).as("each kill came after messages were acknowledged").doesNotContain(0L);
        int firstMissing = seen.nextClearBit(0);
        assertThat(firstMissing).as("first message missing from the sink file (seed %d, acknowledged at kills: %s)",
                seed, summary(ackedAtKill)).isEqualTo(MESSAGES);
        System.out.printf("DurableTcpKillTest: seed %d, %d kills, %d messages, %d written, %d duplicates, 0 missing,"
                + " acknowledged at kills %s%n", seed, KILLS, MESSAGES, total, total - MESSAGES, summary(ackedAtKill));
    }

    private static String summary(long[] a) {
        return a.length <= 10 ? java.util.Arrays.toString(a)
                : java.util.Arrays.toString(java.util.Arrays.copyOf(a, 5)) + " ... " + a[a.length - 1];
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }
}
