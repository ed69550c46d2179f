package io.sluice.transport.kafka;

/**
 * A Kafka endpoint failed: the cluster was unreachable within the configured timeout, a topic does not
 * exist, a record was refused for good. The message names the bootstrap servers or the topic and
 * partition, and the cause is the client's own exception when there is one.
 */
public final class KafkaTransportException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, with topic/partition or bootstrap servers
     * @param cause the client's exception, or null
     */
    public KafkaTransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
