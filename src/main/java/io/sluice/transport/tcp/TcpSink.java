package io.sluice.transport.tcp;

import io.netty.channel.ChannelOption;
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
 */
public final class TcpSink implements Sink<Message> {

    private static final String NAME = "tcp";

    private final String host;
    private final int port;
    private final Framing framing;
    private final int maxFrameLength;
    private final EventDispatcher events;
    private final TransportMetrics metrics = new TransportMetrics(NAME);

    TcpSink(TcpBuilder b) {
        this.host = b.host;
        this.port = b.port;
        this.framing = b.framing;
        this.maxFrameLength = b.maxFrameLength;
        this.events = b.events;
    }

    /** @return counters: messages and bytes written, connections, errors */
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
        Mono<? extends Connection> connect = TcpClient.create()
                .host(host)
                .port(port)
                .option(ChannelOption.TCP_NODELAY, true)
                .connect()
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
                        c -> c.outbound().send(elements.handle((m, sink) -> {
                            String problem = framing.check(m.payload(), maxFrameLength);
                            if (problem != null) {
                                sink.error(new IllegalArgumentException(problem));
                                return;
                            }
                            metrics.message(m.size());
                            sink.next(framing.encode(c.channel().alloc(), m.payload()));
                        }), b -> false).then().then(TransportSupport.drained(c)),
                        TransportSupport::close,
                        (c, err) -> TransportSupport.close(c),
                        TransportSupport::close)
                .doOnError(e -> {
                    metrics.error();
                    dispatch(new ConnectionError(NAME, host + ":" + port, String.valueOf(e.getMessage()), e));
                });
    }

    private void dispatch(Object event) {
        TransportSupport.publish(events, event);
    }
}
