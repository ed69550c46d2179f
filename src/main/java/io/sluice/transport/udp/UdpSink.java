package io.sluice.transport.udp;

import io.netty.buffer.ByteBuf;
import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Sink;
import io.sluice.transport.TransportSupport;
import io.sluice.transport.TransportMetrics;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.udp.UdpClient;

/**
 * UDP client sink: each {@link #write(Flux)} opens a connected datagram socket and sends one
 * datagram per message, optionally prefixed with the 8-byte sequence header (see
 * {@link UdpBuilder}). A message larger than a datagram can carry
 * ({@link UdpBuilder#maxPayload()}) fails the write with an {@link IllegalArgumentException}
 * and is reported as a {@link ConnectionError} event naming both sizes; nothing is truncated
 * (any other failure of a write is reported the same way). Writes are requested while the channel is writable and flushed in
 * batches. UDP itself gives no delivery guarantee: a receiver that falls behind loses datagrams,
 * which a sequenced source counts.
 */
public final class UdpSink implements Sink<Message> {

    private static final String NAME = "udp";

    private final String host;
    private final int port;
    private final boolean sequenced;
    private final int maxPayload;
    private final EventDispatcher events;
    private final TransportMetrics metrics = new TransportMetrics(NAME);

    UdpSink(UdpBuilder b) {
        this.host = b.host;
        this.port = b.port;
        this.sequenced = b.sequenced;
        this.maxPayload = b.maxPayload();
        this.events = b.events;
    }

    /** @return counters: datagrams and payload bytes sent, errors */
    public TransportMetrics metrics() {
        return metrics;
    }

    /**
     * Sends {@code elements} as described in the class documentation.
     *
     * @param elements messages to send; requested only as fast as they can be written
     * @return completes when every message has been written, errors on the first failure
     */
    @Override
    public Mono<Void> write(Flux<Message> elements) {
        Mono<? extends Connection> connect = UdpClient.create().host(host).port(port).connect()
                .doOnNext(c -> {
                    metrics.connectionOpened();
                    String remote = String.valueOf(c.channel().remoteAddress());
                    dispatch(new ConnectionOpened(NAME, remote));
                    c.onDispose(() -> {
                        metrics.connectionClosed();
                        dispatch(new ConnectionClosed(NAME, remote));
                    });
                });
        return Mono.usingWhen(connect,
                        c -> {
                            long[] seq = {0};
                            return c.outbound().send(elements.<ByteBuf>handle((m, sink) -> {
                                if (m.size() > maxPayload) {
                                    sink.error(new IllegalArgumentException("message of " + m.size()
                                            + " bytes exceeds the UDP datagram limit of " + maxPayload + " bytes"));
                                    return;
                                }
                                ByteBuf buf = c.channel().alloc().buffer(m.size() + (sequenced ? 8 : 0));
                                if (sequenced) {
                                    buf.writeLong(seq[0]++);
                                }
                                metrics.message(m.size());
                                sink.next(buf.writeBytes(m.payload()));
                            }), b -> false).then().then(TransportSupport.drained(c));
                        },
                        TransportSupport::close, (c, e) -> TransportSupport.close(c), TransportSupport::close)
                .doOnError(e -> {
                    metrics.error();
                    dispatch(new ConnectionError(NAME, host + ":" + port, String.valueOf(e.getMessage()), e));
                });
    }

    private void dispatch(Object event) {
        TransportSupport.publish(events, event);
    }
}
