package io.sluice.transport.internal;

import io.netty.buffer.ByteBuf;
import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.resilience.RejectedMessageException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

/**
 * The common part of the reactor-netty client sinks: each write connects once, reports the
 * connection opened and closed, sends every message as the transport encodes it (requested only
 * while the channel is writable; reactor-netty flushes in batches), waits until the last write
 * has left the channel, and closes gracefully ({@link TransportSupport#closeGracefully}: TLS
 * {@code close_notify}, FIN, then the peer's close, at most {@link TransportSupport#CLOSE_WAIT}), so the
 * write completing means the peer read everything; a failed or cancelled write closes at once. Each message is acknowledged once its bytes were written to
 * the socket ({@link WriteAcks}). Any failure of a write is counted and reported as a
 * {@code ConnectionError} naming the target.
 */
public final class ClientSink {

    /** Encodes one message for the wire. */
    @FunctionalInterface
    public interface Encoder {
        /**
         * @param c the connection (for its allocator)
         * @param m the message
         * @return what to write on the channel
         * @throws IllegalArgumentException when the message cannot be sent (fails the write with a
         *         {@link RejectedMessageException} naming the message)
         */
        ByteBuf encode(Connection c, Message m);
    }

    private final ConnectionReporter reporter;
    private final String target;

    /**
     * @param transport transport name
     * @param events dispatcher, or null
     * @param target what the sink connects to, as named in error events
     */
    public ClientSink(String transport, EventDispatcher events, String target) {
        this.reporter = new ConnectionReporter(transport, events);
        this.target = target;
    }

    /** @return the sink's counters */
    public TransportMetrics metrics() {
        return reporter.metrics();
    }

    /**
     * Reports a client connection opened now and closed when it is disposed.
     *
     * @param c the connection
     */
    public void track(Connection c) {
        String remote = String.valueOf(c.channel().remoteAddress());
        reporter.opened(remote);
        c.onDispose(() -> reporter.closed(remote));
    }

    /**
     * @param connect opens the connection
     * @param elements what to send
     * @param encoder encodes each message
     * @return completes when everything was written and the peer closed its side after reading it
     *     (or {@link TransportSupport#CLOSE_WAIT} passed), and the connection is closed
     */
    public Mono<Void> write(Mono<? extends Connection> connect, Flux<Message> elements, Encoder encoder) {
        return reportFailures(Mono.usingWhen(connect.doOnNext(this::track),
                c -> {
                    WriteAcks acks = WriteAcks.install(c);
                    return c.outbound().send(elements.<ByteBuf>handle((m, sink) -> {
                        ByteBuf frame;
                        try {
                            frame = encoder.encode(c, m);
                        } catch (IllegalArgumentException e) {
                            sink.error(e instanceof RejectedMessageException ? e
                                    : new RejectedMessageException(m, e.getMessage(), e));
                            return;
                        }
                        reporter.metrics().message(m.size());
                        sink.next(acks.expect(frame, m));
                    }), b -> false).then().then(TransportSupport.drained(c));
                },
                c -> TransportSupport.closeGracefully(c, TransportSupport.CLOSE_WAIT),
                (c, err) -> TransportSupport.close(c),
                TransportSupport::close));
    }

    /**
     * @param write a write
     * @param <T> its value type
     * @return the same write, its failure counted and reported
     */
    public <T> Mono<T> reportFailures(Mono<T> write) {
        return write.doOnError(e -> reporter.error(target, String.valueOf(e.getMessage()), e));
    }
}
