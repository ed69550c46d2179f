package io.sluice.transport.udp;

import io.netty.buffer.ByteBuf;
import io.sluice.Message;
import io.sluice.event.ConnectionError;
import io.sluice.pipeline.Sink;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.ClientSink;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.udp.UdpClient;

/**
 * UDP client sink: each {@link #write(Flux)} opens a connected datagram socket and sends one
 * datagram per message, optionally prefixed with the 8-byte sequence header (see
 * {@link UdpBuilder}). A message larger than a datagram can carry
 * ({@link UdpBuilder#maxPayload()}) fails the write with an {@link IllegalArgumentException}
 * and is reported as a {@link ConnectionError} event naming both sizes; nothing is truncated
 * (any other failure of a write is reported the same way). Writes are requested while the channel
 * is writable and flushed in batches. UDP itself gives no delivery guarantee: a receiver that
 * falls behind loses datagrams, which a sequenced source counts. A receiver that is gone shows as
 * the ICMP "port unreachable" of the connected socket, which the kernel hands to the next send or
 * receive on it: either way it fails the write (a send fails with it; on the read side, where
 * Netty's epoll transport usually takes it, {@link SocketErrors} catches it) and the connection
 * closes, so a {@link io.sluice.transport.resilience.ResilientSink} notices and reconnects; what was
 * sent before the ICMP came back is lost.
 */
public final class UdpSink implements Sink<Message> {

    private final UdpClient client;
    private final boolean sequenced;
    private final int maxPayload;
    private final ClientSink sink;

    UdpSink(UdpBuilder b) {
        this.client = UdpClient.create().host(b.host()).port(b.port());
        this.sequenced = b.sequenced;
        this.maxPayload = b.maxPayload();
        this.sink = new ClientSink(UdpSource.NAME, b.events(), b.host() + ":" + b.port());
    }

    /** @return counters: datagrams and payload bytes sent, errors */
    public TransportMetrics metrics() {
        return sink.metrics();
    }

    /**
     * Sends {@code elements} as described in the class documentation.
     *
     * @param elements messages to send; requested only as fast as they can be written
     * @return completes when every message has been written, errors on the first failure
     */
    @Override
    public Mono<Void> write(Flux<Message> elements) {
        return Mono.defer(() -> {
            long[] seq = {0};
            SocketErrors errors = new SocketErrors();
            Mono<Void> sending = sink.write(client.connect().doOnNext(errors::install), elements, (c, m) -> {
                if (m.size() > maxPayload) {
                    throw new IllegalArgumentException("message of " + m.size()
                            + " bytes exceeds the UDP datagram limit of " + maxPayload + " bytes");
                }
                ByteBuf buf = c.channel().alloc().buffer(m.size() + (sequenced ? UdpBuilder.SEQUENCE_HEADER : 0));
                if (sequenced) {
                    buf.writeLong(seq[0]++);
                }
                return buf.writeBytes(m.payload());
            });
            // whichever comes first: the write's own end, or a socket error caught on the read side
            // (the write is then cancelled, which closes the connection)
            return Mono.firstWithSignal(sending, sink.reportFailures(errors.failure()));
        });
    }
}
