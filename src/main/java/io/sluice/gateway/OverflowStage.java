package io.sluice.gateway;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.overflow.Overflow;
import io.sluice.overflow.OverflowPolicy;
import io.sluice.pipeline.Pipeline;

/**
 * The overflow stage of one gateway pipeline, whichever it is: an in-memory
 * {@link OverflowPolicy} or the disk-backed {@link PersistentStage}. The pipeline appends it,
 * registers its meters and reads its accounting through this one view, and closes it once the
 * pipeline has ended.
 */
sealed interface OverflowStage permits OverflowStage.Memory, PersistentStage {

    /**
     * @param spec the pipeline's overflow settings
     * @param pipeline pipeline name
     * @param events where drops are published
     * @return the stage the spec names
     */
    static OverflowStage of(GatewayConfig.OverflowSpec spec, String pipeline, EventDispatcher events) {
        if (spec.persistent() != null) {
            return PersistentStage.open(spec.persistent(), pipeline);
        }
        return new Memory(Gateway.policy(spec).named(pipeline).events(events));
    }

    /** @return the policy's YAML name */
    String label();

    /** @return capacity in messages; for a log bounded in bytes, -1 */
    int capacity();

    /** @return messages dropped because the stage was full (or too large to hold) */
    long dropped();

    /** @return messages lost to a cancel or a drain timeout while buffered in memory */
    long discarded();

    /** @return messages held now (on disk: written and not yet acknowledged) */
    int buffered();

    /**
     * @return messages the stage delivered downstream whose acknowledgement is still outstanding (in
     *     steps or in a sink), when the stage counts them itself; -1 when it does not (then the
     *     pipeline counts what is in a sink that acknowledges)
     */
    default long awaitingAck() {
        return -1;
    }

    /** @return messages the stage handed downstream so far, when {@link #awaitingAck()} is not -1 */
    default long deliveredDownstream() {
        return -1;
    }

    /** @return messages this run started with (the persistent log's backlog when it opened), else 0 */
    long replayed();

    /** @return bytes of the stage's files on disk now; -1 for a stage in memory */
    default long diskBytes() {
        return -1;
    }

    /** @return the bound on {@link #diskBytes()}; -1 for a stage in memory */
    default long diskMaxBytes() {
        return -1;
    }

    /**
     * @param p the pipeline so far
     * @return it with this stage appended
     */
    Pipeline<Message> append(Pipeline<Message> p);

    /**
     * Registers {@code sluice.overflow.dropped|buffered|capacity} and the stage's own meters.
     *
     * @param registry where
     * @param tags the pipeline's tags
     * @param counts the pipeline's counters, read together (the dropped count comes from there)
     */
    void register(MeterRegistry registry, Tags tags, CounterSnapshot counts);

    /** Releases what the stage holds (files, threads); called once the pipeline has ended. */
    void close();

    /** Registers the meters every stage has. */
    static void registerCommon(OverflowStage s, MeterRegistry registry, Tags tags, CounterSnapshot counts) {
        FunctionCounter.builder("sluice.overflow.dropped", counts, c -> c.read(CounterSnapshot.DROPPED)).tags(tags)
                .tag("policy", s.label())
                .description("messages the overflow stage dropped or overwrote because it was full")
                .register(registry);
        Gauge.builder("sluice.overflow.buffered", s, OverflowStage::buffered).tags(tags)
                .description("messages in the overflow buffer now (queue depth; on disk: unacknowledged records)")
                .register(registry);
        Gauge.builder("sluice.overflow.capacity", s, OverflowStage::capacity).tags(tags).register(registry);
    }

    /** An in-memory policy ({@link Overflow}). */
    record Memory(OverflowPolicy<Message> policy) implements OverflowStage {

        @Override
        public String label() {
            return policy.kind().label();
        }

        @Override
        public int capacity() {
            return policy.capacity();
        }

        @Override
        public long dropped() {
            return policy.dropped();
        }

        @Override
        public long discarded() {
            return policy.discardedOnCancel();
        }

        @Override
        public int buffered() {
            return policy.buffered();
        }

        @Override
        public long replayed() {
            return 0;
        }

        @Override
        public Pipeline<Message> append(Pipeline<Message> p) {
            return p.overflow(policy);
        }

        @Override
        public void register(MeterRegistry registry, Tags tags, CounterSnapshot counts) {
            registerCommon(this, registry, tags, counts);
        }

        @Override
        public void close() {
        }
    }
}
