package io.sluice.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Source;
import io.sluice.transport.ServerSource;
import io.sluice.transport.BoundAddress;
import io.sluice.transport.TransportSupport;
import io.sluice.transport.TransportMetrics;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;

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
 * reported as a {@link ConnectionError} ("connection limit reached"); it never gets a
 * {@link ConnectionOpened} event and nothing it sent is read.
 *
 * <h2>Bad input</h2>
 * An oversized frame, a malformed frame or a peer that closes mid-frame closes <em>that</em>
 * connection with a {@link ConnectionError} event and an error count; the other connections
 * and the source continue. Frame bytes are copied into the message and the Netty buffer is
 * released at once.
 *
 * <p>One subscription at a time: the bound address of the current subscription is given by
 * {@link #boundAddress()}.
 */
public final class TcpSource implements ServerSource {

    private static final Logger LOG = LoggerFactory.getLogger(TcpSource.class);
    private static final String NAME = "tcp";

    private final String host;
    private final int port;
    private final Framing framing;
    private final int maxFrameLength;
    private final int maxConnections;
    private final int prefetch;
    private final EventDispatcher events;
    private final TransportMetrics metrics = new TransportMetrics(NAME);
    private final BoundAddress bound = new BoundAddress();

    TcpSource(TcpBuilder b) {
        this.host = b.host;
        this.port = b.port;
        this.framing = b.framing;
        this.maxFrameLength = b.maxFrameLength;
        this.maxConnections = b.maxConnections;
        this.prefetch = b.prefetch;
        this.events = b.events;
    }

    /** @return counters: messages, bytes, connections opened/closed, errors (refusals included) */
    public TransportMetrics metrics() {
        return metrics;
    }

    /**
     * @return the address the server is bound to once {@link #flux()} has been subscribed and the
     *         bind succeeded (useful with port 0)
     */
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
            Sinks.Many<Connection> accepted = Sinks.many().unicast().onBackpressureBuffer();
            Set<Connection> open = ConcurrentHashMap.newKeySet();
            AtomicInteger active = new AtomicInteger();
            Mono<? extends DisposableServer> bind = TcpServer.create()
                    .host(host)
                    .port(port)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .handle((in, out) -> {
                        Connection[] holder = new Connection[1];
                        in.withConnection(c -> holder[0] = c);
                        Connection c = holder[0];
                        return accept(c, accepted, open, active);
                    })
                    .bind();
            return Flux.usingWhen(bind,
                    server -> {
                        addr.tryEmitValue((InetSocketAddress) server.address());
                        LOG.debug("tcp source bound to {}", server.address());
                        return accepted.asFlux().flatMap(this::receive, maxConnections, prefetch);
                    },
                    server -> close(server, open, addr),
                    (server, err) -> close(server, open, addr),
                    server -> close(server, open, addr));
        });
    }

    private Mono<Void> accept(Connection c, Sinks.Many<Connection> accepted, Set<Connection> open,
                              AtomicInteger active) {
        String remote = String.valueOf(c.channel().remoteAddress());
        if (active.incrementAndGet() > maxConnections) {
            active.decrementAndGet();
            metrics.error();
            LOG.warn("tcp source: refusing connection from {}: limit of {} connections reached", remote, maxConnections);
            dispatch(new ConnectionError(NAME, remote, "connection limit reached (" + maxConnections + ")", null));
            c.dispose();
            return Mono.empty();
        }
        c.addHandlerLast("sluiceFrameDecoder", framing.decoder(maxFrameLength));
        open.add(c);
        metrics.connectionOpened();
        dispatch(new ConnectionOpened(NAME, remote));
        c.onDispose(() -> {
            open.remove(c);
            active.decrementAndGet();
            metrics.connectionClosed();
            dispatch(new ConnectionClosed(NAME, remote));
        });
        synchronized (accepted) {
            if (accepted.tryEmitNext(c).isFailure()) {
                c.dispose();
            }
        }
        return c.onDispose();
    }

    private Flux<Message> receive(Connection c) {
        String remote = String.valueOf(c.channel().remoteAddress());
        return c.inbound().receiveObject()
                .<Message>handle((o, sink) -> {
                    if (o instanceof ByteBuf buf) {
                        byte[] bytes = new byte[buf.readableBytes()];
                        buf.readBytes(bytes);
                        metrics.message(bytes.length);
                        sink.next(Message.of(bytes));
                    } else if (o instanceof FrameDecoders.PartialFrame p) {
                        sink.error(new java.io.EOFException(
                                "peer closed the connection mid-frame (" + p.pendingBytes() + " bytes pending)"));
                    }
                })
                .onErrorResume(e -> {
                    metrics.error();
                    LOG.warn("tcp source: closing connection from {}: {}", remote, e.toString());
                    dispatch(new ConnectionError(NAME, remote, describe(e, maxFrameLength), e));
                    c.dispose();
                    return Mono.empty();
                })
                .doFinally(s -> c.dispose());
    }

    private static String describe(Throwable e, int maxFrameLength) {
        String cls = e.getClass().getSimpleName();
        String text = e.getMessage() == null ? cls : cls + ": " + e.getMessage();
        if (e instanceof io.netty.handler.codec.TooLongFrameException) {
            return "frame larger than the maximum of " + maxFrameLength + " bytes (" + text + ")";
        }
        return text;
    }

    private Mono<Void> close(DisposableServer server, Set<Connection> open, Sinks.One<InetSocketAddress> addr) {
        bound.end(addr);
        for (Connection c : open) {
            c.dispose();
        }
        server.dispose();
        return server.onDispose();
    }

    private void dispatch(Object event) {
        TransportSupport.publish(events, event);
    }
}
