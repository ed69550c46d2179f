package io.sluice.transport.udp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.sluice.Message;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.RateLimitedLog;
import io.sluice.transport.internal.ServerSkeleton;
import io.sluice.transport.internal.SkeletonSource;
import io.sluice.transport.internal.TransportSupport;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.resources.LoopResources;
import reactor.netty.udp.UdpServer;

/**
 * UDP server source: binds when {@link #flux()} is subscribed, emits one {@link Message} per
 * datagram, unbinds on cancel. The socket buffer is sized for full 64 KiB datagrams, so no
 * datagram is truncated.
 *
 * <p>With {@linkplain UdpBuilder#sequenced(boolean) sequencing}, each message's
 * {@link Message#sequence()} is the sender's sequence number, and the source accounts per sender
 * address, with a sliding window of the last {@value SequenceTracker#WINDOW} numbers (see
 * {@link SequenceTracker} for the exact rules): gaps are counted in {@link TransportMetrics#lost()};
 * a skipped number that arrives late inside the window is counted in
 * {@link TransportMetrics#reordered()} and taken back from {@code lost} once; a number that arrived
 * already is counted in {@link TransportMetrics#duplicated()}; a number too far behind (or ahead) to
 * place is counted as reordered only; two consecutive such numbers restart the sender's sequence.
 * {@code lost} never goes below 0, and {@code messages - duplicated + lost} is the number of
 * datagrams sent up to each sender's highest number. Losses after the last received datagram cannot
 * be detected. Memory: at most {@value SequenceTracker#MAX_SENDERS} senders of a few hundred bytes
 * each (the least recently heard from is forgotten).
 *
 * <p>The socket runs on its own single-threaded NIO event loop (created per subscription; on
 * cancel or termination the socket is closed and the loop's thread ends without a quiet period):
 * Netty's native epoll datagram channel left datagrams unread in the socket after reading had been
 * paused, so it is not used here.
 *
 * <p>Backpressure: datagrams are read only while the pipeline has demand (autoRead is switched
 * off otherwise); beyond the socket receive buffer the operating system drops datagrams, which
 * the sequence numbers then reveal. Events: {@code ConnectionOpened}/{@code ConnectionClosed}
 * for the bound socket, a {@code ConnectionError} (and an error count) for a datagram that cannot
 * be a sequenced one: shorter than the sequence header, or with a negative sequence number (a sink
 * numbers from 0). Such a datagram is dropped without touching the loss accounting and the source
 * keeps receiving; it is logged at WARN, at most one line per {@value #REJECT_LOG_INTERVAL_MS} ms
 * with the number of rejections suppressed since the previous line (a stray sender cannot flood
 * the log). The header carries no checksum, so other stray bytes of 8 or more that start
 * with a non-negative number are taken for a datagram.
 */
public final class UdpSource extends SkeletonSource {

    static final String NAME = "udp";
    /** Rejected datagrams are logged at WARN at most once per this many milliseconds. */
    static final long REJECT_LOG_INTERVAL_MS = 10_000;
    private static final Duration LOOP_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    private final boolean sequenced;
    private final int receiveBuffer;
    private final int prefetch;
    private final RateLimitedLog rejections;

    UdpSource(UdpBuilder b) {
        this(b, new RateLimitedLog(LoggerFactory.getLogger(UdpSource.class), REJECT_LOG_INTERVAL_MS));
    }

    /** @param rejections where rejected datagrams are logged (tests give their own) */
    UdpSource(UdpBuilder b, RateLimitedLog rejections) {
        super(NAME, b, Integer.MAX_VALUE);
        this.sequenced = b.sequenced;
        this.receiveBuffer = b.receiveBuffer;
        this.prefetch = b.prefetch;
        this.rejections = rejections;
    }

    @Override
    protected ServerSkeleton.Server<?> server(ServerSkeleton.Binding b) {
        return new Binding(b);
    }

    /** One subscription: its socket, its event loop and the per-sender sequence state. */
    private final class Binding implements ServerSkeleton.Server<Connection> {
        private final ServerSkeleton.Binding b;
        /** Per-sender sequence accounting; used on the socket's event loop only. */
        private final SequenceTracker sequences;
        // NIO on a dedicated loop: with the native epoll datagram channel, datagrams left in
        // the socket while reading was paused were not read again (seen in our tests).
        private final LoopResources loop = LoopResources.create("sluice-udp", 1, true);

        Binding(ServerSkeleton.Binding b) {
            this.b = b;
            this.sequences = new SequenceTracker(b.metrics());
        }

        @Override
        public Mono<? extends Connection> bind() {
            return UdpServer.create()
                    .host(host)
                    .port(port)
                    .option(ChannelOption.SO_RCVBUF, receiveBuffer)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(UdpBuilder.MAX_DATAGRAM + 1))
                    .runOn(loop, false)
                    .bind()
                    .doOnError(e -> endLoop())
                    .doOnCancel(this::endLoop);
        }

        @Override
        public InetSocketAddress address(Connection c) {
            return (InetSocketAddress) c.channel().localAddress();
        }

        @Override
        public Flux<Message> messages(Connection c) {
            String local = String.valueOf(c.channel().localAddress());
            b.track(local, c);
            c.onDispose(() -> b.untrack(local, c));
            return c.inbound().receiveObject()
                    .limitRate(prefetch)
                    .<Message>handle((o, sink) -> {
                        if (o instanceof DatagramPacket p) {
                            Message m = decode(p);
                            if (m != null) {
                                sink.next(m);
                            }
                        }
                    });
        }

        @Override
        public Mono<Void> close(Connection c) {
            // the socket's close is queued on the loop, which runs its queued tasks before it
            // terminates: no quiet period is needed, so the thread ends promptly on stop
            return TransportSupport.close(c).doFinally(s -> endLoop());
        }

        private void endLoop() {
            loop.disposeLater(Duration.ZERO, LOOP_SHUTDOWN_TIMEOUT).subscribe();
        }

        private Message decode(DatagramPacket p) {
            ByteBuf buf = p.content();
            if (!sequenced) {
                byte[] bytes = new byte[buf.readableBytes()];
                buf.readBytes(bytes);
                b.metrics().message(bytes.length);
                return Message.of(bytes);
            }
            if (buf.readableBytes() < UdpBuilder.SEQUENCE_HEADER) {
                reject(p, "datagram of " + buf.readableBytes() + " bytes has no sequence header");
                return null;
            }
            long seq = buf.readLong();
            if (seq < 0) {
                // a sink numbers from 0 upwards and never reaches 2^63: this is not a sequence header
                reject(p, "datagram of " + (buf.readableBytes() + UdpBuilder.SEQUENCE_HEADER)
                        + " bytes has no valid sequence header (negative sequence number " + seq + ")");
                return null;
            }
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            sequences.accept(p.sender(), seq);
            b.metrics().message(bytes.length);
            return Message.builder().payload(bytes).sequence(seq).build();
        }

        /** A datagram that cannot be a sequenced one: counted, reported, WARN-logged (rate-limited), not emitted. */
        private void reject(DatagramPacket p, String reason) {
            b.errorUnlogged(String.valueOf(p.sender()), reason, null);
            rejections.warn("udp source " + p.recipient() + ": rejected a datagram from " + p.sender() + ": " + reason
                    + " (is the sender sequenced too?)");
        }
    }
}
