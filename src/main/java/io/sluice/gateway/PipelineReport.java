package io.sluice.gateway;

/**
 * Accounting of one gateway pipeline. Once the pipeline has stopped,
 * {@code received + replayed == delivered + dropped + filtered + discarded + buffered} holds exactly
 * ({@code replayed} and a {@code buffered} left at the stop are non-zero only for a persistent stage:
 * what it found on disk when it opened, and what it keeps on disk for the next start).
 *
 * @param name pipeline name
 * @param policy overflow policy
 * @param capacity overflow capacity in messages (-1 for a persistent stage, bounded in bytes)
 * @param received messages that left the source
 * @param delivered messages handed to the sink
 * @param dropped messages the overflow stage dropped because it was full
 * @param filtered messages removed on purpose by steps (filters, sampling, bad JSON)
 * @param discarded messages still buffered when the pipeline was cancelled or timed out
 * @param buffered messages buffered right now
 * @param running whether the pipeline is still running
 * @param outcome how it ended ({@code RUNNING} while it runs)
 * @param replayed messages a persistent stage found on disk, unacknowledged, when it opened
 * @param diskBytes a persistent stage's log files right now, in bytes (-1 without one)
 * @param diskMaxBytes a persistent stage's bound on them, {@code maxBytes} (-1 without one)
 * @param deadLettered delivered messages the sink's receiver refused for good, written to the
 *                     dead-letter file (counted in {@code delivered} too)
 * @param sinkRetries messages the sink sent again after a reconnect ({@code sluice_sink_retries_total})
 */
public record PipelineReport(String name, String policy, int capacity, long received, long delivered, long dropped,
                             long filtered, long discarded, int buffered, boolean running, String outcome,
                             long replayed, long diskBytes, long diskMaxBytes, long deadLettered, long sinkRetries) {

    /** A report without a resilient sink (nothing dead-lettered or resent). */
    public PipelineReport(String name, String policy, int capacity, long received, long delivered, long dropped,
                          long filtered, long discarded, int buffered, boolean running, String outcome,
                          long replayed, long diskBytes, long diskMaxBytes) {
        this(name, policy, capacity, received, delivered, dropped, filtered, discarded, buffered, running, outcome,
                replayed, diskBytes, diskMaxBytes, 0, 0);
    }

    /** An in-memory pipeline's report (nothing replayed). */
    public PipelineReport(String name, String policy, int capacity, long received, long delivered, long dropped,
                          long filtered, long discarded, int buffered, boolean running, String outcome) {
        this(name, policy, capacity, received, delivered, dropped, filtered, discarded, buffered, running, outcome, 0,
                -1, -1);
    }

    /** @return true when every message is accounted for (exact once stopped) */
    public boolean addsUp() {
        return received + replayed == delivered + dropped + filtered + discarded + buffered;
    }
}
