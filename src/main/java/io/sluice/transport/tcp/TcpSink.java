package io.sluice.transport.tcp;

import io.netty.channel.ChannelOption;
import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.ClientSink;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.tcp.TcpClient;

/**
 * TCP client sink: each {@link #write(Flux)} opens one connection, writes every message framed
 * with the configured {@link Framing}, and completes once everything has been written and the
 * connection closed.
 *
 * <p>Writes honour backpressure: messages are requested from upstream only while the Netty
 * channel is writable, and flushes are batched (reactor-netty flushes when its prefetch batch is
 * drained or the channel becomes unwritable, not once per message). A message that its framing
 * cannot carry (larger than {@code maxFrameLength}, or containing {@code '\n'} with newline
 * framing) fails the write with an {@link IllegalArgumentException}; nothing is truncated.
 *
 * <p>Acknowledgements ({@link #acknowledges()}): a message is acknowledged once its frame was
 * written to the socket (flushed out of Sluice; the peer may still lose it if it dies before
 * reading it: TCP itself tells the sender no more than that).
 */
public final class TcpSink implements Sink<Message> {

    private final TcpClient client;
    private final Framing framing;
    private final int maxFrameLength;
    private final ClientSink sink;

    TcpSink(TcpBuilder b) {
        this.client = TcpClient.create().host(b.host()).port(b.port()).option(ChannelOption.TCP_NODELAY, true);
        this.framing = b.framing;
        this.maxFrameLength = b.maxFrameLength;
        this.sink = new ClientSink(TcpSource.NAME, b.events(), b.host() + ":" + b.port());
    }

    /** @return true: each message is acknowledged once its frame was written to the socket */
    @Override
    public boolean acknowledges() {
        return true;
    }

    /** @return counters: messages and bytes written, connections, errors */
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
        return sink.write(client.connect(), elements, (c, m) -> {
            String problem = framing.check(m.payload(), maxFrameLength);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            return framing.encode(c.channel().alloc(), m.payload());
        });
    }
}
