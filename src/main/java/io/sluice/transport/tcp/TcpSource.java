package io.sluice.transport.tcp;

import io.netty.handler.codec.TooLongFrameException;
import io.sluice.Message;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.auth.ServerSecurity;
import io.sluice.transport.internal.MergingNettyServer;
import io.sluice.transport.internal.ServerSkeleton;
import io.sluice.transport.internal.SkeletonSource;
import io.sluice.transport.internal.TransportSupport;
import java.util.List;
import reactor.core.Exceptions;
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
 * and the source continue. The decoder copies each read's frames out of the Netty buffer, which is
 * released at once, into one batch ({@link Frames}): the payloads become the messages' arrays.
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
            TransportMetrics metrics = binding.metrics();
            // how a payload becomes a message: chosen at the first batch, once a TLS handshake is surely done
            Frames.ToMessage[] to = new Frames.ToMessage[1];
            // one Frames batch per read, flattened here in order; a marker ends it with an error
            return Flux.from(c.inbound().receiveObject())
                    .concatMapIterable(o -> {
                        if (!(o instanceof Frames f)) {
                            return List.<Message>of();
                        }
                        if (to[0] == null) {
                            to[0] = toMessage(c, acked);
                        }
                        metrics.addMessages(f.payloads(), f.bytes());
                        return f.messages(to[0]);
                    }, 1)
                    .onErrorResume(e -> {
                        Throwable t = Exceptions.unwrap(e);
                        binding.error(String.valueOf(c.channel().remoteAddress()), describe(t), t);
                        c.dispose();
                        return Mono.empty();
                    })
                    .doFinally(s -> c.dispose());
        }

        /** Plain {@link Message#of(byte[], long)}, or with the client certificate's name and/or an acknowledgement. */
        private Frames.ToMessage toMessage(Connection c, ConnectionAcks acked) {
            String id = binding.security().certificateIdentity(c.channel());
            String client = id == null ? "" : id;
            if (acked == null && client.isEmpty()) {
                return Message::of;
            }
            return (payload, at) -> {
                Message.Builder mb = Message.builder().payload(payload).timestamp(at);
                if (!client.isEmpty()) {
                    mb.header(ServerSecurity.CLIENT_HEADER, client);
                }
                return acked == null ? mb.build() : mb.ack(acked.next()).build();
            };
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
