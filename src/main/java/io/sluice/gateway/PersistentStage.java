package io.sluice.gateway;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.sluice.Ack;
import io.sluice.Message;
import io.sluice.overflow.Overflow;
import io.sluice.persist.Fsync;
import io.sluice.persist.PersistentLogException;
import io.sluice.persist.PersistentOverflow;
import io.sluice.pipeline.Pipeline;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/**
 * {@code overflow: {policy: persistent, ...}}: the pipeline's messages go through a crash-consistent
 * segment log on disk ({@link PersistentOverflow}). Where appends run depends on {@code fsync}:
 * <ul>
 *   <li>a group-commit interval ({@code fsync: 10ms}): on the source's thread (a Netty event loop
 *       for network sources), with no hand-off; a reader that keeps up gets each record there too,
 *       from memory ({@link io.sluice.persist.PersistentBuilder#deliverOnAppend()}). That thread
 *       encodes and frames records, writes a full 256 KiB batch to the page cache and creates the
 *       next segment file (forcing its header) when one is full; the group commit's force, file
 *       reads of a reader that fell behind, and the checkpoint run on the stage's own threads.
 *       When the log is at {@code maxBytes} the appending thread reclaims space (a checkpoint);</li>
 *   <li>{@code always} or {@code never}: on one thread of the stage's own (never interrupted),
 *       through a queue of at most {@value #HANDOFF} messages, so no event loop waits for a
 *       forced write.</li>
 * </ul>
 * Either way the source is backpressured once the log's bound (and the queue) is full.
 *
 * <p>Meters, tagged {@code pipeline}: besides {@code sluice.overflow.dropped|buffered|capacity}
 * (capacity -1: the log is bounded in bytes), {@code sluice.persistent.bytes} and
 * {@code sluice.persistent.records} (gauges: files on disk, unacknowledged records),
 * {@code sluice.persistent.oldest.unacked.age} (gauge, seconds), {@code sluice.persistent.redelivered}
 * and {@code sluice.persistent.corrupt} (counters) and {@code sluice.persistent.fsync} (timer with a
 * histogram: time of each group commit or forced append), {@code sluice.persistent.failed} (gauge: 1 once a
 * write or fsync failed; from then on every new message is refused, counted in
 * {@code sluice.overflow.dropped}, and logged once at ERROR).
 *
 * <p><b>Towards the source</b>: the stage writes {@link Ack#AWAITED} into the Reactor context of
 * everything upstream, so a source that can answer its senders (HTTP, gRPC, RSocket) attaches an
 * {@link Ack} to each message and answers once the record is durable, or at once when the stage
 * refuses the message (full under {@code drop-newest}, failed disk, stopping).
 *
 * <p><b>When a record is acknowledged</b> (and so never delivered again): each message the log
 * delivers carries an {@link io.sluice.Ack}; a sink that {@link io.sluice.pipeline.Sink#acknowledges()
 * acknowledges} calls it once its destination has the message (the file sink: written to the OS),
 * for any other sink the pipeline calls it when handing the message over; a step that removes a
 * message on purpose calls it. The log's acknowledged position moves over contiguous records only,
 * and at most {@value #IN_FLIGHT} delivered records wait for their acknowledgement. So a message
 * still inside a step or a sink's buffer when the gateway stops or crashes is delivered again after
 * the next start.
 */
final class PersistentStage implements OverflowStage {

    /** The policy's YAML name. */
    static final String POLICY = "persistent";
    /** Messages at most between the source's thread and the log's thread. */
    static final int HANDOFF = 256;
    /**
     * Messages at most delivered by the log and not yet done (in steps, or on their way to the sink).
     * Larger than what a sink holds (the file sink: 4 buffers of 256 acknowledgements, and its
     * prefetch), so that the sink's own demand paces delivery: with 1024 (= those 4 buffers) the
     * window was full whenever the sink was, and each acknowledged buffer woke the log's io thread to
     * deliver the next few hundred, a round trip of thread wake-ups per buffer (issue 14: 100 B
     * length-prefixed -> fsync 10ms -> file ran at 0.46 of the same pipeline in memory). It also
     * bounds what a crash can deliver twice.
     */
    static final int IN_FLIGHT = 8192;

    private static final Logger LOG = LoggerFactory.getLogger(PersistentStage.class);

    private final PersistentOverflow log;
    private final ExecutorService thread;
    /** The log's thread as a scheduler that never interrupts it (see {@link #append}). */
    private final Scheduler io;
    private final LongAdder discarded = new LongAdder();
    private final long maxBytes;

    private PersistentStage(PersistentOverflow log, ExecutorService thread, long maxBytes) {
        this.log = log;
        this.thread = thread;
        this.maxBytes = maxBytes;
        // A plain Executor (not the ExecutorService): Reactor would wrap a service in a scheduler that
        // cancels tasks with Future.cancel(true), an interrupt.
        this.io = thread == null ? null : Schedulers.fromExecutor(thread::execute);
    }

    /**
     * Opens (and recovers) the log.
     *
     * @param spec its settings
     * @param pipeline pipeline name (names the stage and its thread)
     * @return the stage
     * @throws GatewayStartException when the directory cannot be used (the reason is in the message)
     */
    static PersistentStage open(GatewayConfig.PersistentSpec spec, String pipeline) {
        // With an interval fsync no append waits for a force: the source's thread appends and delivers
        // itself (no hand-off thread, see PersistentBuilder.deliverOnAppend). Otherwise a thread of
        // the stage's own appends, since under fsync: always each batch is forced before it is acknowledged.
        boolean onSourceThread = spec.fsync().interval() != null;
        ExecutorService thread = onSourceThread ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-persist-in-" + pipeline);
            t.setDaemon(true);
            return t;
        });
        PersistentOverflow log;
        try {
            io.sluice.persist.PersistentBuilder b = Overflow.persistent(spec.path()).name(pipeline).maxBytes(spec.maxBytes())
                    .whenFull(spec.whenFull()).fsync(spec.fsync()).explicitAck(IN_FLIGHT);
            if (onSourceThread) {
                b.deliverOnAppend();
            } else {
                b.appendThread(thread::execute); // the hand-off thread appends, then delivers what it appended
            }
            log = b.build();
        } catch (PersistentLogException | IllegalArgumentException e) {
            if (thread != null) {
                thread.shutdown();
            }
            throw new GatewayStartException(pipeline, "pipeline '" + pipeline + "' cannot start: " + e.getMessage(), e);
        }
        LOG.info("pipeline '{}': persistent log {} opened, {} record(s) to deliver from before", pipeline, spec.path(),
                log.records());
        return new PersistentStage(log, thread, spec.maxBytes());
    }

    /**
     * @param text {@code always}, {@code never} or a duration such as {@code 10ms}
     * @return the fsync policy
     * @throws IllegalArgumentException naming what is allowed
     */
    static Fsync fsync(String text) {
        switch (text.trim()) {
            case "always":
                return Fsync.ALWAYS;
            case "never":
                return Fsync.NEVER;
            default:
                Duration d;
                try {
                    d = Durations.parse(text);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("must be always, never or a duration such as 10ms, was '" + text + "'");
                }
                if (d.isZero() || d.isNegative()) {
                    throw new IllegalArgumentException("interval must be above zero (or use always), was '" + text + "'");
                }
                return Fsync.every(d);
        }
    }

    @Override
    public String label() {
        return POLICY;
    }

    @Override
    public int capacity() {
        return -1;
    }

    @Override
    public long dropped() {
        return log.droppedFull() + log.rejectedTooLarge() + log.refusedAfterFailure();
    }

    @Override
    public long discarded() {
        return discarded.sum();
    }

    @Override
    public int buffered() {
        return (int) Math.min(Integer.MAX_VALUE, log.records());
    }

    /** @return records delivered and not yet acknowledged (the log's window counts them) */
    @Override
    public long awaitingAck() {
        return log.awaitingAck();
    }

    @Override
    public long deliveredDownstream() {
        return log.delivered();
    }

    @Override
    public long replayed() {
        return log.backlogAtOpen();
    }

    @Override
    public long diskBytes() {
        return log.bytes();
    }

    @Override
    public long diskMaxBytes() {
        return maxBytes;
    }

    /**
     * Appends the hand-off to this stage's thread, then the log (which makes downstream requests and
     * cancels on a thread of its own). So the log's files are only touched by threads nobody
     * interrupts: an interrupt during a {@code FileChannel} read, write or force closes the channel
     * ({@code ClosedByInterruptException}) and would fail the log. {@link Schedulers#fromExecutor}
     * with a plain executor cancels tasks without interrupting.
     */
    @Override
    public Pipeline<Message> append(Pipeline<Message> p) {
        if (io == null) { // appends on the source's thread
            return p.overflow(log).via(f -> f.contextWrite(Context.of(Ack.AWAITED, Boolean.TRUE)));
        }
        return p.via(f -> f.publishOn(io, HANDOFF).doOnDiscard(Message.class, m -> {
                    discarded.increment();
                    m.refuse("the pipeline stopped before the message was written");
                }))
                .overflow(log)
                // tells the source (upstream) that its messages are acknowledged once durable
                .via(f -> f.contextWrite(Context.of(Ack.AWAITED, Boolean.TRUE)));
    }

    @Override
    public void register(MeterRegistry registry, Tags tags, CounterSnapshot counts) {
        OverflowStage.registerCommon(this, registry, tags, counts);
        Gauge.builder("sluice.persistent.bytes", log, PersistentOverflow::bytes).tags(tags).baseUnit("bytes")
                .description("size of the persistent log's segment files").register(registry);
        Gauge.builder("sluice.persistent.records", log, PersistentOverflow::records).tags(tags)
                .description("records on disk not yet acknowledged").register(registry);
        Gauge.builder("sluice.persistent.oldest.unacked.age", log, l -> l.oldestUnackedAgeMillis() / 1000.0)
                .tags(tags).baseUnit("seconds")
                .description("age of the oldest unacknowledged record the reader has seen").register(registry);
        FunctionCounter.builder("sluice.persistent.redelivered", log, PersistentOverflow::redelivered).tags(tags)
                .description("records delivered again after a restart (unacknowledged when the log opened)")
                .register(registry);
        FunctionCounter.builder("sluice.persistent.corrupt", log, l -> l.corrupt() + l.tornTails()).tags(tags)
                .description("corrupt ranges skipped and torn tails truncated").register(registry);
        Gauge.builder("sluice.persistent.failed", log, l -> l.failure() == null ? 0 : 1).tags(tags)
                .description("1 once a write or fsync of the log failed: new messages are refused until restart")
                .register(registry);
        Timer fsyncs = Timer.builder("sluice.persistent.fsync").tags(tags).publishPercentileHistogram()
                .description("time of each forced write (group commit or fsync: always)").register(registry);
        log.onFsync(nanos -> fsyncs.record(nanos, TimeUnit.NANOSECONDS));
    }

    @Override
    public void close() {
        // The hand-off thread first: a message it is appending when the pipeline is cancelled is
        // appended (or, still queued, discarded and counted), never cut off by a closed log. Without
        // one, a message a source's thread is appending when the log closes is refused.
        if (thread != null) {
            thread.shutdown();
            try {
                if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.warn("pipeline '{}': the persistent stage's hand-off thread still runs after 5 s; closing the log",
                            log.name());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            log.close();
        } catch (IOException e) {
            LOG.error("persistent log '{}': close failed; records since the last checkpoint will be delivered again",
                    log.name(), e);
        }
    }
}
