package io.sluice.bench.transport;

import io.sluice.Message;
import reactor.core.publisher.Mono;

/**
 * One transport under test: a receiving server that counts what it fully received, and a way to
 * open a new sender. A lane is started once per table cell and closed after it.
 */
interface Lane extends AutoCloseable {

    /** Starts the receiving side; every fully received message calls {@link Counter#hit()}. */
    void start(Counter counter);

    /**
     * Opens one sender (its own connection, socket or channel) and sends {@code count} copies of
     * {@code template} through it.
     *
     * @return completes when the sender has written everything
     */
    Mono<Void> send(Message template, int count);

    /** Stops the receiver and releases everything. */
    @Override
    void close();
}
