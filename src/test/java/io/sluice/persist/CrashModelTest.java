package io.sluice.persist;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 item 1: a seeded random walk over the log on {@link ModelFs}, interleaving appends,
 * consumption, acknowledgements, group commits, checkpoints (with segment deletions), rolls,
 * crashes at any file operation, clean restarts and restarts with another block or segment size.
 * After every restart it checks: every record whose append was reported durable and that the
 * consumer had not acknowledged is delivered, offsets strictly increase, every delivered record is
 * one that was appended (same offset, same content), and recovery completed without an exception.
 *
 * <p>{@code -Dplog.seed=N} replays a seed, {@code -Dplog.steps=N} sets the steps per fsync policy
 * (default 34,000 each, 102,000 in all); a failure names its seed. {@code scripts/plog-model.sh} runs 10M steps.
 */
class CrashModelTest {

    /** Steps per fsync policy: 3 x 34,000 = 102,000 in CI. */
    private static final int STEPS = Integer.getInteger("plog.steps", 34_000);

    @Test
    void fsyncAlways() {
        walk(Fsync.ALWAYS);
    }

    @Test
    void fsyncGroupCommit() {
        walk(Fsync.every(java.time.Duration.ofMillis(10)));
    }

    /** The seed of the CI walk when {@code -Dplog.seed} is not given. */
    private static final long CI_SEED = 20_261_203L;

    @Test
    void fsyncNever() {
        walk(Fsync.NEVER);
    }

    private static void walk(Fsync fsync) {
        // CI walks a fixed seed so a red build always replays; scripts/plog-model.sh passes fresh seeds
        long seed = Long.getLong("plog.seed", CI_SEED);
        Walk w = new Walk(seed, fsync);
        try {
            w.run(STEPS);
            // States the operation order must never produce (recovery copes with them, but they mean an order bug):
            // (A torn segment header is possible only under Fsync.NEVER, where a new segment is not forced.)
            List<StartupIssue> impossible = new ArrayList<>(List.of(StartupIssue.CORRUPT_CHECKPOINT,
                    StartupIssue.MISSING_SEGMENT, StartupIssue.UNRELATED_FILE));
            if (!fsync.never()) {
                impossible.add(StartupIssue.CORRUPT_SEGMENT_HEADER);
            }
            for (StartupIssue never : impossible) {
                assertThat(w.stats.issues.get(never).get()).as("recoveries that met %s", never).isZero();
            }
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("crash model failed with fsync " + fsync + " at step " + w.step + "; replay with"
                    + " -Dplog.seed=" + seed + " -Dtest=CrashModelTest: " + e, e);
        }
        System.out.printf("crash model fsync=%s seed=%d steps=%d crashes=%d restarts=%d appended=%d delivered=%d"
                        + " checked=%d corrupt=%d torn=%d%n", fsync, seed, STEPS, w.crashes, w.restarts, w.appended,
                w.deliveredTotal, w.checked, w.stats.corrupt.get(), w.stats.tornTails.get());
    }

    /**
     * The walk's state. Records are identified by an id carried in a header (not by offset, so a
     * log that reused offsets would be caught); the payload is a function of the id, so checking
     * "nothing invented" needs no memory per record.
     */
    static final class Walk {
        final Random rnd;
        final Fsync fsync;
        final ModelFs fs;
        final LogStats stats = new LogStats();
        long nextId;
        /** Ids reported durable and not acknowledged by the consumer. */
        final NavigableSet<Long> durable = new TreeSet<>();
        /** {id, offset} appended in this incarnation, not yet reported durable. */
        final Deque<long[]> notYetDurable = new ArrayDeque<>();
        /** Ids acknowledged while still in notYetDurable. */
        final java.util.Set<Long> ackedEarly = new java.util.HashSet<>();
        /** {offset, id} delivered to the consumer and not acknowledged. */
        final Deque<long[]> deliveredUnacked = new ArrayDeque<>();
        long lastDelivered = -1;
        long lastDeliveredId = -1;
        SegmentLog log;
        LogCursor cursor;
        LogConfig cfg;
        int step;
        long crashes;
        long restarts;
        long appended;
        long deliveredTotal;
        long checked;

        Walk(long seed, Fsync fsync) {
            this.rnd = new Random(seed);
            this.fsync = fsync;
            this.fs = new ModelFs(new Random(seed ^ 0x5DEECE66DL));
        }

        static byte[] payloadFor(long id) {
            Random r = new Random(id * 0x9E3779B97F4A7C15L + 17);
            byte[] p = new byte[r.nextInt(10) == 0 ? r.nextInt(12_000) : r.nextInt(200)];
            r.nextBytes(p);
            return p;
        }

        LogConfig randomConfig() {
            int block = new int[] {128, 512, 4096}[rnd.nextInt(3)];
            long seg = block * (1L + rnd.nextInt(8));
            return new LogConfig(seg, block, Math.max(seg * (2 + rnd.nextInt(6)), 64 * 1024), fsync, 1 << 20);
        }

        void run(int steps) {
            cfg = randomConfig();
            restart();
            for (step = 0; step < steps; step++) {
                try {
                    if (rnd.nextInt(40) == 0) {
                        fs.armCrash(1 + rnd.nextInt(12));
                    }
                    act();
                    observeDurable();
                } catch (ModelFs.SimulatedCrash c) {
                    crashAndRestart();
                } catch (IOException e) {
                    throw new AssertionError("unexpected I/O error", e);
                }
            }
        }

        private void act() throws IOException {
            int r = rnd.nextInt(100);
            if (r < 40) {
                append();
            } else if (r < 65) {
                consume(1 + rnd.nextInt(8));
            } else if (r < 75) {
                ack();
            } else if (r < 83) {
                log.checkpoint();
            } else if (r < 93) {
                log.flush();
            } else if (r < 96) {
                fs.disarm();
                crashAndRestart();
            } else if (r < 98) {
                fs.disarm();
                log.close();
                observeDurable();
                if (rnd.nextBoolean()) {
                    cfg = randomConfig();
                }
                restart();
            } else {
                log.publish(); // the stage's publish task: writes the batch (forces it under ALWAYS)
            }
        }

        private void append() throws IOException {
            long id = nextId++;
            long expected = log.nextOffset();
            Message m = Message.builder().payload(payloadFor(id)).header("id", Long.toString(id)).build();
            // batched appends (as the stage makes them) reach the file only at publish, flush, roll or close
            long off = rnd.nextBoolean() ? log.appendBuffered(m) : log.append(m);
            if (off >= 0) {
                assertThat(off).isEqualTo(expected);
                notYetDurable.add(new long[] {id, off});
                appended++;
            }
        }

        private void observeDurable() {
            long d = log.durableOffset();
            while (!notYetDurable.isEmpty() && notYetDurable.peekFirst()[1] <= d) {
                long id = notYetDurable.pollFirst()[0];
                if (!ackedEarly.remove(id)) {
                    durable.add(id);
                }
            }
        }

        private void consume(int n) throws IOException {
            for (int i = 0; i < n; i++) {
                RecordCodec.Entry e = cursor.next();
                if (e == null) {
                    return;
                }
                long id = verify(e, lastDelivered, lastDeliveredId);
                lastDelivered = e.offset();
                lastDeliveredId = id;
                deliveredUnacked.add(new long[] {e.offset(), id});
                deliveredTotal++;
            }
        }

        private void ack() {
            int n = deliveredUnacked.isEmpty() ? 0 : 1 + rnd.nextInt(deliveredUnacked.size());
            long upTo = -1;
            long firstPending = notYetDurable.isEmpty() ? Long.MAX_VALUE : notYetDurable.peekFirst()[0];
            for (int i = 0; i < n; i++) {
                long[] d = deliveredUnacked.pollFirst();
                upTo = d[0];
                if (!durable.remove(d[1]) && d[1] >= firstPending) {
                    ackedEarly.add(d[1]);
                }
            }
            if (upTo >= 0) {
                log.ack(upTo);
            }
        }

        /** @return the record's id, after checking order and content */
        private long verify(RecordCodec.Entry e, long previousOffset, long previousId) {
            assertThat(e.offset()).as("offsets strictly increase").isGreaterThan(previousOffset);
            long id = Long.parseLong(e.message().header("id").orElseThrow());
            assertThat(id).as("record ids come back in append order").isGreaterThan(previousId).isLessThan(nextId);
            assertThat(Arrays.equals(payloadFor(id), e.message().payload())).as("record %d has its content", id).isTrue();
            return id;
        }

        private void crashAndRestart() {
            crashes++;
            fs.crash();
            notYetDurable.clear();
            ackedEarly.clear();
            if (rnd.nextInt(4) == 0) {
                cfg = randomConfig();
            }
            restart();
        }

        /** Opens the log (crashing again if armed, until it opens) and checks what it delivers. */
        private void restart() {
            while (true) {
                try {
                    if (rnd.nextInt(10) == 0) {
                        fs.armCrash(1 + rnd.nextInt(30));
                    }
                    log = SegmentLog.open(fs, cfg, stats);
                    checkRecovered();
                    fs.disarm();
                    break;
                } catch (ModelFs.SimulatedCrash c) {
                    crashes++;
                    fs.crash();
                } catch (IOException e) {
                    throw new AssertionError("recovery failed", e);
                }
            }
            restarts++;
            cursor = log.cursor();
            deliveredUnacked.clear();
            lastDelivered = -1;
            lastDeliveredId = -1;
        }

        private void checkRecovered() throws IOException {
            TreeSet<Long> missing = new TreeSet<>(durable);
            long prev = -1;
            long prevId = -1;
            try (LogCursor c = log.cursor()) {
                for (RecordCodec.Entry e = c.next(); e != null; e = c.next()) {
                    prevId = verify(e, prev, prevId);
                    prev = e.offset();
                    missing.remove(prevId);
                    checked++;
                }
            }
            assertThat(missing).as("durable, unacknowledged records lost").isEmpty();
        }
    }
}
