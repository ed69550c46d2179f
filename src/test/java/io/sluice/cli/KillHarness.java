package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The process-level kill test shared by the durable sources (TCP {@code acks}, HTTP, gRPC
 * {@code Exchange}): a real {@code sluice run} JVM with a persistent stage and a file sink; a
 * {@link Sender} sends {@code msg-N.} for N below {@code messages}, resending what was not
 * acknowledged after each reconnect; the gateway is killed with SIGKILL {@code kills} times at
 * random moments (once a random number of further messages were acknowledged) and restarted; at
 * the end (SIGTERM, exit 0) every acknowledged message must be in the sink file. Settings:
 * {@code -Dkill.messages}, {@code -Dkill.count}, {@code -Dkill.seed}, {@code -Dkill.seconds}.
 */
final class KillHarness {

    /** Messages sent in all; {@code -Dkill.messages} (scripts/kill-soak.sh raises it with the kills). */
    static final int MESSAGES = Integer.getInteger("kill.messages", 20_000);
    /** SIGKILLs; {@code -Dkill.count} (scripts/kill-soak.sh runs 1,000). */
    static final int KILLS = Integer.getInteger("kill.count", 3);
    /**
     * Duplicates allowed per kill: what a sender had out unacknowledged when the gateway died (its
     * window, at most 2,000 here) plus records the sink had but whose acknowledged position had not
     * reached the checkpoint yet (every 100 ms) and the delivery window (1,024).
     */
    static final int MAX_DUPLICATES_PER_KILL = 6_000;
    private static final Pattern MSG = Pattern.compile("msg-(\\d+)\\.");

    /** A client of the gateway under test. */
    interface Sender {
        /** @return how many distinct messages the gateway acknowledged so far (over all sessions) */
        long acknowledged();

        /** @return the messages acknowledged so far */
        BitSet acknowledgedSet();

        /**
         * Sends what is not acknowledged until all is, the gateway goes away, or the deadline.
         *
         * Gives up without sending when {@code gateway} dies before it accepted a connection (a
         * session never reaches a later gateway: one session per gateway run).
         *
         * @param port the gateway's port
         * @param deadlineNanos {@link System#nanoTime()} to give up at
         * @param gateway the gateway process this session is for
         */
        void session(int port, long deadlineNanos, Process gateway) throws InterruptedException;
    }

    /** A sender that records acknowledged messages one by one (in any order). */
    abstract static class BitSetSender implements Sender {
        private final BitSet acked = new BitSet(MESSAGES);

        @Override
        public final synchronized long acknowledged() {
            return acked.cardinality();
        }

        @Override
        public final synchronized BitSet acknowledgedSet() {
            return (BitSet) acked.clone();
        }

        final synchronized boolean isAcknowledged(int i) {
            return acked.get(i);
        }

        final synchronized void acknowledge(int i) {
            acked.set(i);
        }
    }

    /**
     * What one run found.
     *
     * @param written messages in the sink file, duplicates included
     * @param distinct distinct messages in it
     * @param duplicates written - distinct
     * @param ackedAtKills messages acknowledged at each kill
     */
    record Result(long written, int distinct, long duplicates, long[] ackedAtKills) {
    }

    private final Path tmp;

    KillHarness(Path tmp) {
        this.tmp = tmp;
    }

    /** @return the payload of message {@code i} */
    static byte[] payload(long i) {
        return ("msg-" + i + ".").getBytes(StandardCharsets.US_ASCII);
    }

    static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** @return true once the gateway accepts connections on {@code port}; false if it died first */
    static boolean awaitListening(int port, long deadlineNanos, Process gateway) throws InterruptedException {
        Socket s = connect(port, deadlineNanos, gateway);
        if (s == null) {
            return false;
        }
        try {
            s.close();
        } catch (IOException ignored) {
            // it accepted; closing does not matter
        }
        return true;
    }

    /**
     * @return a socket connected to the gateway on {@code port}, retried (bounded) until it listens;
     *     null when {@code gateway} died first
     */
    static Socket connect(int port, long deadlineNanos, Process gateway) throws InterruptedException {
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

    private static Thread session(Sender sender, int port, long deadline, Process gateway) {
        Thread t = new Thread(() -> {
            try {
                sender.session(port, deadline, gateway);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "kill-test-session");
        t.start();
        return t;
    }

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

    /**
     * Runs the kills and checks that every acknowledged message is in the sink file.
     *
     * @param source the pipeline's source in YAML flow style, given the port
     * @param sender the client
     * @param name the test's name, for the summary line
     * @return what the sink file holds
     */
    Result run(IntFunction<String> source, Sender sender, String name) throws Exception {
        int port = freePort();
        Path out = tmp.resolve("out.txt");
        Path config = Files.writeString(tmp.resolve("gw.yaml"), "drainTimeout: 10s\n"
                + "pipelines:\n"
                + "  - name: durable\n"
                + "    source: " + source.apply(port) + "\n"
                + "    overflow: {policy: persistent, path: '" + tmp.resolve("log") + "', fsync: 10ms}\n"
                + "    sink: {type: file, path: '" + out + "', append: true, flushInterval: 20ms}\n");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.getLong("kill.seconds", 120));
        long seed = Long.getLong("kill.seed", System.nanoTime());
        Random random = new Random(seed);
        // messages acknowledged between kills, about (scripts/kill-soak.sh: 500; the sender overshoots until the kill lands)
        // (default: a quarter of an even share, as the sender overshoots by a few thousand per kill)
        long step = Long.getLong("kill.step", MESSAGES / (4L * (KILLS + 1)));
        long[] ackedAtKill = new long[KILLS];
        int run = 0;
        Process gateway = start(config, run);
        try {
            for (int k = 0; k < KILLS; k++) {
                // kill once at least ~step more messages are acknowledged, plus a random delay
                assertThat(sender.acknowledged()).as("messages left for kill %d of %d (raise -Dkill.messages)",
                        k + 1, KILLS).isLessThan(MESSAGES - 1);
                long target = Math.min(MESSAGES - 1, sender.acknowledged() + step / 2 + random.nextInt((int) step));
                Thread session = session(sender, port, deadline, gateway);
                int retries = 0;
                while (sender.acknowledged() < target && System.nanoTime() < deadline) {
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
                assertThat(sender.acknowledged()).as("run %d resumed and acknowledged up to %d (seed %d)", run,
                        target, seed).isGreaterThanOrEqualTo(target);
                Thread.sleep(random.nextInt(50)); // kill at a random moment after the threshold
                ackedAtKill[k] = sender.acknowledged();
                gateway.destroyForcibly(); // SIGKILL
                assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
                session.join(TimeUnit.SECONDS.toMillis(30));
                assertThat(session.isAlive()).as("the session ended after the kill").isFalse();
                Files.deleteIfExists(tmp.resolve("stdout-" + run + ".txt"));
                Files.deleteIfExists(tmp.resolve("stderr-" + run + ".txt"));
                gateway = start(config, ++run);
            }
            // at least one session (it waits for the restarted gateway to listen) even when everything was
            // acknowledged before the last kill: a SIGTERM during startup would end the JVM before its hook
            do {
                sender.session(port, deadline, gateway);
            } while (sender.acknowledged() < MESSAGES && System.nanoTime() < deadline);
            assertThat(sender.acknowledged()).as("all acknowledged in the last run").isEqualTo(MESSAGES);
            gateway.destroy(); // SIGTERM: drain the file sink and stop
            assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(gateway.exitValue()).as("exit after SIGTERM; stdout: %s; stderr: %s",
                    read(tmp.resolve("stdout-" + run + ".txt")), tail(read(tmp.resolve("stderr-" + run + ".txt"))))
                    .isZero();
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
        BitSet lost = (BitSet) sender.acknowledgedSet().clone();
        lost.andNot(seen);
        assertThat(lost.cardinality()).as("acknowledged messages missing from the sink file, first %d (seed %d,"
                + " acknowledged at kills: %s)", lost.nextSetBit(0), seed, summary(ackedAtKill)).isZero();
        Result r = new Result(total, seen.cardinality(), total - seen.cardinality(), ackedAtKill);
        System.out.printf("%s: seed %d, %d kills, %d messages, %d written, %d duplicates, 0 lost,"
                + " acknowledged at kills %s%n", name, seed, KILLS, MESSAGES, total, r.duplicates(), summary(ackedAtKill));
        return r;
    }

    private static String summary(long[] a) {
        return a.length <= 10 ? java.util.Arrays.toString(a)
                : java.util.Arrays.toString(java.util.Arrays.copyOf(a, 5)) + " ... " + a[a.length - 1];
    }

    private static String tail(String s) {
        return s.length() <= 20_000 ? s : "..." + s.substring(s.length() - 20_000);
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }
}
