package io.sluice.gateway;

/**
 * Accounting of one gateway pipeline. Once the pipeline has stopped,
 * {@code received == delivered + dropped + filtered + discarded} holds exactly.
 *
 * @param name pipeline name
 * @param policy overflow policy
 * @param capacity overflow capacity
 * @param received messages that left the source
 * @param delivered messages handed to the sink
 * @param dropped messages the overflow stage dropped because it was full
 * @param filtered messages removed on purpose by steps (filters, sampling, bad JSON)
 * @param discarded messages still buffered when the pipeline was cancelled or timed out
 * @param buffered messages buffered right now
 * @param running whether the pipeline is still running
 * @param outcome how it ended ({@code RUNNING} while it runs)
 */
public record PipelineReport(String name, String policy, int capacity, long received, long delivered, long dropped,
                             long filtered, long discarded, int buffered, boolean running, String outcome) {

    /** @return true when every received message is accounted for (exact once stopped) */
    public boolean addsUp() {
        return received == delivered + dropped + filtered + discarded + buffered;
    }
}
