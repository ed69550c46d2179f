package io.sluice.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.TooLongFrameException;
import io.sluice.Message;
import io.sluice.transport.auth.ServerSecurity;
import io.sluice.transport.internal.MergingNettyServer;
import io.sluice.transport.internal.ServerSkeleton;
import io.sluice.transport.internal.SkeletonSource;
import io.sluice.transport.internal.TransportSupport;
import java.io.EOFException;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;

/**
 * TCP server source: binds when {@link #flux()} is subscribed, emits one {@link Message} per
 * received frame (see {@link Framing}) from every accepted connection, and on cancel or
 * termination unbinds and closes every connection.
 *
 * <h2>Backpressure and connection bound</h2>
 * Connections are merged with bounded concurrency ({@code maxConnections}) and a small per
 * connection prefetch, so demand from the pipeline reaches each socket: with no demand, reading
 * stops (reactor-netty switches {@code autoRead} off) and TCP flow control slows the peers.
 * A connection accepted while {@code maxConnections} are already open is closed at once and
 * reported as a {@code ConnectionError} ("connection limit reached"); it never gets a
 * {@code ConnectionOpened} event and nothing it sent is read.
 *
 * <h2>Bad input</h2>
 * An oversized frame, a malformed frame or a peer that closes mid-frame closes <em>that</em>
 * connection with a {@code ConnectionError} event and an error count; the other connections
 * and the source continue. Frame bytes are copied into the message and the Netty buffer is
 * released at once; newline frames are copied out by the decoder, a whole read's lines at a time.
 *
 * <p>One subscription at a time: the bound address of the current subscription is given by
 * {@link #boundAddress()}.
 */
public final class TcpSource extends SkeletonSource {

    static final String NAME = "tcp";

    private final Framing framing;
    private final int maxFrameLength;
    private final int prefetch;
    private final boolean acks;

    TcpSource(TcpBuilder b) {
        super(NAME, b);
        this.framing = b.framing;
        this.maxFrameLength = b.maxFrameLength;
        this.prefetch = b.prefetch;
        this.acks = b.acks;
    }

    @Override
    protected ServerSkeleton.Server<?> server(ServerSkeleton.Binding b) {
        return new Server(b);
    }

    /** One subscription: accepted connections are merged with bounded concurrency. */
    private final class Server extends MergingNettyServer {

        Server(ServerSkeleton.Binding b) {
            super(b, prefetch);
        }

        @Override
        public Mono<? extends DisposableServer> bind() {
            return bindTcp(host, port, this::accept);
        }

        private Mono<Void> accept(Connection c) {
            if (!binding.track(c)) {
                return Mono.empty();
            }
            c.addHandlerLast("sluiceFrameDecoder", framing.decoder(maxFrameLength));
            if (!merge(receive(c))) {
                c.dispose();
            }
            return c.onDispose();
        }

        private Flux<Message> receive(Connection c) {
            ConnectionAcks acked = acks ? new ConnectionAcks(c.channel()) : null;
            // the client certificate's name (mutual TLS), read once the handshake is surely done
            String[] client = new String[1];
            // newline framing: the clock is read once per read, for all its lines (0: read it per message)
            long[] receivedAt = new long[1];
            Flux<Object> frames = Flux.from(c.inbound().receiveObject());
            if (framing.kind() == Framing.Kind.NEWLINE) {
                // one Frames batch per read: flattened here, in order, markers included; the mapper runs
                // when the previous batch is exhausted, so the stamp is that of the lines that follow
                frames = frames.concatMapIterable(o -> {
                    if (o instanceof FrameDecoders.Frames f) {
                        receivedAt[0] = f.receivedAt;
                        return f;
                    }
                    return List.of(o);
                }, 1);
            }
            return frames
                    .<Message>handle((o, sink) -> {
                        byte[] bytes;
                        if (o instanceof byte[] b) {
                            bytes = b;
                        } else if (o instanceof ByteBuf buf) {
                            bytes = new byte[buf.readableBytes()];
                            buf.readBytes(bytes);
                        } else {
                            if (o instanceof FrameDecoders.PartialFrame p) {
                                sink.error(new EOFException(
                                        "peer closed the connection mid-frame (" + p.pendingBytes() + " bytes pending)"));
                            } else if (o instanceof FrameDecoders.TooLong t) {
                                sink.error(t.error());
                            }
                            return;
                        }
                        binding.metrics().message(bytes.length);
                        if (client[0] == null) {
                            String id = binding.security().certificateIdentity(c.channel());
                            client[0] = id == null ? "" : id;
                        }
                        long at = receivedAt[0] != 0 ? receivedAt[0] : System.currentTimeMillis();
                        if (acked == null && client[0].isEmpty()) {
                            sink.next(Message.of(bytes, at));
                            return;
                        }
                        Message.Builder mb = Message.builder().payload(bytes).timestamp(at);
                        if (!client[0].isEmpty()) {
                            mb.header(ServerSecurity.CLIENT_HEADER, client[0]);
                        }
                        sink.next(acked == null ? mb.build() : mb.ack(acked.next()).build());
                    })
                    .onErrorResume(e -> {
                        binding.error(String.valueOf(c.channel().remoteAddress()), describe(e), e);
                        c.dispose();
                        return Mono.empty();
                    })
                    .doFinally(s -> c.dispose());
        }

        private String describe(Throwable e) {
            String text = TransportSupport.text(e);
            if (e instanceof TooLongFrameException) {
                return "frame larger than the maximum of " + maxFrameLength + " bytes (" + text + ")";
            }
            return text;
        }
    }
}
