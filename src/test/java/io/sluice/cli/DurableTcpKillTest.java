package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing acknowledged is lost on {@code kill -9}: a sender writes numbered messages to a real
 * {@code sluice run} process over TCP in {@code acks} mode (length-prefixed frames; the gateway
 * writes back cumulative 8-byte counts once messages are durable in its persistent stage); the
 * gateway is killed with SIGKILL three times (scripts/kill-soak.sh: 1,000) at random moments and
 * restarted; the sender reconnects and resends only what was not acknowledged. At the end every
 * message must be in the sink file ({@link KillHarness}).
 */
class DurableTcpKillTest {

    /** Unacknowledged messages the sender lets out before it waits. */
    private static final int WINDOW = 2_000;

    @TempDir
    Path tmp;

    /** The sender: acknowledged = messages from 0 the gateway confirmed durable, over all connections. */
    static final class Sender implements KillHarness.Sender {
        final AtomicLong acknowledged = new AtomicLong();

        @Override
        public long acknowledged() {
            return acknowledged.get();
        }

        @Override
        public BitSet acknowledgedSet() {
            BitSet b = new BitSet();
            b.set(0, (int) acknowledged.get());
            return b;
        }

        /** Sends from the first unacknowledged message until all are acknowledged or the connection breaks. */
        @Override
        public void session(int port, long deadlineNanos, Process gateway) throws InterruptedException {
            Socket s = KillHarness.connect(port, deadlineNanos, gateway);
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
                            if (count < 0 || base + count > KillHarness.MESSAGES) {
                                // not the gateway's acks: while it restarts, another process may hold the port
                                // (seen: an HTTP server's 400 answer read as counts)
                                throw new IOException("not an acks stream (count " + count + ")");
                            }
                            acknowledged.accumulateAndGet(base + count, Math::max);
                        }
                    } catch (IOException closed) {
                        // the gateway was killed, or we closed
                    }
                }, "acks-reader");
                reader.setDaemon(true);
                reader.start();
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                for (long i = base; i < KillHarness.MESSAGES; i++) {
                    byte[] payload = KillHarness.payload(i);
                    out.writeInt(payload.length);
                    out.write(payload);
                    if (i - acknowledged.get() > WINDOW) { // bounded window of unacknowledged messages
                        out.flush();
                        while (i - acknowledged.get() > WINDOW / 2 && reader.isAlive() && System.nanoTime() < deadlineNanos) {
                            Thread.sleep(1);
                        }
                    }
                }
                out.flush();
                while (acknowledged.get() < KillHarness.MESSAGES && reader.isAlive() && System.nanoTime() < deadlineNanos) {
                    Thread.sleep(2);
                }
            } catch (IOException broken) {
                // killed while we wrote: reconnect and resend what is not acknowledged
            }
        }
    }

    @Test
    void everyAcknowledgedMessageSurvivesTheKills() throws Exception {
        KillHarness.Result r = new KillHarness(tmp).run(port -> "{type: tcp, host: 127.0.0.1, port: " + port
                + ", framing: length-prefixed, acks: true}", new Sender(), "DurableTcpKillTest");
        assertThat(r.duplicates()).as("duplicates")
                .isLessThanOrEqualTo((long) KillHarness.KILLS * KillHarness.MAX_DUPLICATES_PER_KILL);
    }
}
