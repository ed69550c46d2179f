package io.sluice.transport.udp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Source;
import io.sluice.transport.ServerSource;
import io.sluice.transport.BoundAddress;
import io.sluice.transport.TransportMetrics;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.resources.LoopResources;
import reactor.netty.udp.UdpServer;

/**
 * UDP server source: binds when {@link #flux()} is subscribed, emits one {@link Message} per
 * datagram, unbinds on cancel. The socket buffer is sized for full 64 KiB datagrams, so no
 * datagram is truncated.
 *
 * <p>With {@linkplain UdpBuilder#sequenced(boolean) sequencing}, each message's
 * {@link Message#sequence()} is the sender's sequence number, and gaps are counted per sender
 * address in {@link TransportMetrics#lost()}; a datagram arriving after a later one is counted in
 * {@link TransportMetrics#reordered()} and removed from {@code lost} again (it was counted as lost
 * when the gap was seen), so {@code messages + lost} is the number of datagrams sent up to the
 * highest sequence seen. Losses after the last received datagram cannot be detected.
 *
 * <p>The socket runs on its own single-threaded NIO event loop (created per subscription; on
 * cancel or termination the socket is closed and the loop's thread ends without a quiet period): Netty's native epoll datagram channel left datagrams unread in the
 * socket after reading had been paused, so it is not used here.
 *
 * <p>Backpressure: datagrams are read only while the pipeline has demand (autoRead is switched
 * off otherwise); beyond the socket receive buffer the operating system drops datagrams, which
 * the sequence numbers then reveal. Events: {@code ConnectionOpened}/{@code ConnectionClosed}
 * for the bound socket, a {@code ConnectionError} (and an error count) for a datagram that cannot
 * be a sequenced one: shorter than the sequence header, or with a negative sequence number (a sink
 * numbers from 0). Such a datagram is dropped without touching the loss accounting and the source
 * keeps receiving. The header carries no checksum, so other stray bytes of 8 or more that start
 * with a non-negative number are taken for a datagram.
 */
public final class UdpSource implements ServerSource {

    private static final Logger LOG = LoggerFactory.getLogger(UdpSource.class);
    private static final String NAME = "udp";
    private static final Duration LOOP_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    private final UdpBuilder config;
    private final TransportMetrics metrics = new TransportMetrics(NAME);
    private final BoundAddress bound = new BoundAddress();

    UdpSource(UdpBuilder b) {
        this.config = copy(b);
    }

    private static UdpBuilder copy(UdpBuilder b) {
        UdpBuilder c = new UdpBuilder().host(b.host).port(b.port).sequenced(b.sequenced)
                .receiveBuffer(b.receiveBuffer).prefetch(b.prefetch).events(b.events);
        return c;
    }

    /** @return counters: messages, bytes, errors, lost and reordered datagrams */
    public TransportMetrics metrics() {
        return metrics;
    }

    /** @return the bound address once {@link #flux()} is subscribed and bound */
    public Mono<InetSocketAddress> boundAddress() {
        return bound.mono();
    }

    /**
     * Binds on subscribe and emits the received messages; cancelling unbinds and closes every
     * connection.
     *
     * @return the received messages, cold
     */
    @Override
    public Flux<Message> flux() {
        return Flux.defer(() -> {
            Sinks.One<InetSocketAddress> addr = bound.begin();
            Map<InetSocketAddress, long[]> expected = new ConcurrentHashMap<>();
            // NIO on a dedicated loop: with the native epoll datagram channel, datagrams left in
            // the socket while reading was paused were not read again (seen in our tests).
            LoopResources loop = LoopResources.create("sluice-udp", 1, true);
            Mono<? extends Connection> bind = UdpServer.create()
                    .host(config.host)
                    .port(config.port)
                    .option(ChannelOption.SO_RCVBUF, config.receiveBuffer)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(UdpBuilder.MAX_DATAGRAM + 1))
                    .runOn(loop, false)
                    .bind();
            return Flux.usingWhen(bind,
                    c -> {
                        InetSocketAddress local = (InetSocketAddress) c.channel().localAddress();
                        addr.tryEmitValue(local);
                        metrics.connectionOpened();
                        dispatch(new ConnectionOpened(NAME, String.valueOf(local)));
                        LOG.debug("udp source bound to {}", local);
                        return c.inbound().receiveObject()
                                .limitRate(config.prefetch)
                                .<Message>handle((o, sink) -> {
                                    if (o instanceof DatagramPacket p) {
                                        Message m = decode(p, expected);
                                        if (m != null) {
                                            sink.next(m);
                                        }
                                    }
                                });
                    },
                    c -> close(c, addr),
                    (c, e) -> close(c, addr),
                    c -> close(c, addr))
                    // by now the socket's close has been requested (usingWhen cleans up before
                    // doFinally runs) and is queued on the loop, which runs its queued tasks before
                    // it terminates: no quiet period is needed, so the thread ends promptly on stop
                    .doFinally(s -> loop.disposeLater(Duration.ZERO, LOOP_SHUTDOWN_TIMEOUT).subscribe());
        });
    }

    private Message decode(DatagramPacket p, Map<InetSocketAddress, long[]> expected) {
        ByteBuf buf = p.content();
        if (!config.sequenced) {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            metrics.message(bytes.length);
            return Message.of(bytes);
        }
        if (buf.readableBytes() < UdpBuilder.SEQUENCE_HEADER) {
            garbage(p, "datagram of " + buf.readableBytes() + " bytes has no sequence header");
            return null;
        }
        long seq = buf.readLong();
        if (seq < 0) {
            // a sink numbers from 0 upwards and never reaches 2^63: this is not a sequence header
            garbage(p, "datagram of " + (buf.readableBytes() + UdpBuilder.SEQUENCE_HEADER)
                    + " bytes has no valid sequence header (negative sequence number " + seq + ")");
            return null;
        }
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        long[] next = expected.computeIfAbsent(p.sender(), k -> new long[1]);
        if (seq == next[0]) {
            next[0] = seq + 1;
        } else if (seq > next[0]) {
            metrics.lost(seq - next[0]);
            next[0] = seq + 1;
        } else {
            metrics.reorderedOne();
            metrics.lost(-1);
        }
        metrics.message(bytes.length);
        return Message.builder().payload(bytes).sequence(seq).build();
    }

    /** A datagram that cannot be a sequenced one: reported and counted, not emitted. */
    private void garbage(DatagramPacket p, String reason) {
        metrics.error();
        LOG.debug("udp source: dropping datagram from {}: {}", p.sender(), reason);
        dispatch(new ConnectionError(NAME, String.valueOf(p.sender()), reason, null));
    }

    private Mono<Void> close(Connection c, Sinks.One<InetSocketAddress> addr) {
        bound.end(addr);
        boolean wasOpen = !c.isDisposed();
        c.dispose();
        return c.onDispose().doFinally(s -> {
            if (wasOpen) {
                metrics.connectionClosed();
                dispatch(new ConnectionClosed(NAME, String.valueOf(c.channel().localAddress())));
            }
        });
    }

    private void dispatch(Object event) {
        if (config.events != null) {
            config.events.dispatch(event);
        }
    }
}
