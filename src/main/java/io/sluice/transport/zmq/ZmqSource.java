package io.sluice.transport.zmq;

import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Source;
import io.sluice.transport.Listening;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.BoundAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import io.sluice.transport.auth.ZmqCurve;
import io.sluice.transport.internal.RateLimitedLog;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * ZeroMQ PULL or SUB source. Each subscription to {@link #flux()} gets its own {@code ZContext},
 * socket and dedicated thread ({@code sluice-zmq-pull-source} / {@code sluice-zmq-sub-source}):
 * JeroMQ sockets are not thread-safe, so the socket is created, used and closed on that thread only.
 * Cancelling or terminating the flux stops the thread within one poll interval, closes the socket
 * and terminates the context (its I/O threads end with it).
 *
 * <h2>Demand</h2>
 * The thread receives only while the pipeline has outstanding demand
 * ({@link FluxSink#requestedFromDownstream()}); otherwise it parks. Unread messages then stay in
 * ZeroMQ's queues up to the high-water mark: a PUSH peer blocks (backpressure), a PUB peer drops
 * (ZeroMQ's PUB/SUB semantics).
 *
 * <h2>Slow joiner</h2>
 * A SUB socket receives only what is published after its subscription has reached the publisher
 * (connection set up and subscription forwarded, typically a few milliseconds). Everything
 * published before that is silently lost by ZeroMQ. Publishers that must not lose the first
 * messages need a handshake (e.g. publish until the subscriber confirms it receives).
 *
 * <h2>Size limit</h2>
 * The socket has {@code ZMQ_MAXMSGSIZE} = {@code maxMessageSize} (per frame). A peer that sends a
 * larger frame is disconnected by JeroMQ's decoder before the frame is buffered: that message, and
 * whatever that peer had already queued behind it on the same connection, never reach the
 * pipeline; the peer reconnects on its own and later messages flow again; other peers are not
 * affected. ZeroMQ does not tell the application why: a socket monitor shows only a generic
 * {@code ZMQ_EVENT_DISCONNECTED} for the peer (then {@code ACCEPTED} again), exactly as when the
 * peer closes normally, so Sluice cannot tell an oversized message apart and reports no
 * {@link ConnectionError} and counts no error for it. The loss is visible only as the difference
 * between the sender's {@code ZmqSink.metrics().messages()} and this source's
 * {@link #metrics()}{@code .messages()}.
 *
 * <h2>Wire format</h2>
 * See {@code WireFormat}: {@code [topic (SUB only)] meta payload} (Sluice's, with metadata), or
 * {@code [topic (SUB only)] payload} (plain, what a stock client sends; a message without headers),
 * told apart by the number of frames. A message in another format is
 * skipped, counted as an error and reported as a {@link ConnectionError}; the source goes on.
 * Events: {@link ConnectionOpened} when the socket is bound/connected, {@link ConnectionClosed}
 * when it is closed (ZeroMQ does not expose individual peers).
 */
public final class ZmqSource extends SocketSide implements Source<Message>, Listening, io.sluice.transport.Metered {

    private static final Logger LOG = LoggerFactory.getLogger(ZmqSource.class);
    private final RateLimitedLog refusedLog = new RateLimitedLog(LOG, 1000);

    private final List<String> topics;

    ZmqSource(ZmqBuilder b, SocketType type, boolean bind) {
        super(b, type, bind);
        this.topics = b.topics;
    }

    @Override
    public Flux<Message> flux() {
        return Flux.create(sink -> {
            AtomicBoolean stop = new AtomicBoolean();
            Sinks.One<String> addr = bound.begin();
            Thread t = new Thread(() -> run(sink, stop, addr), threadName("source"));
            t.setDaemon(true);
            sink.onRequest(n -> LockSupport.unpark(t));
            sink.onDispose(() -> {
                stop.set(true);
                LockSupport.unpark(t);
            });
            t.start();
        }, FluxSink.OverflowStrategy.BUFFER);
    }

    private void run(FluxSink<Message> sink, AtomicBoolean stop, Sinks.One<String> addr) {
        int pollMs = (int) Math.max(1, config.pollInterval.toMillis());
        long pollNanos = TimeUnit.MILLISECONDS.toNanos(pollMs);
        int offset = type == SocketType.SUB ? 1 : 0;
        String where = endpoint;
        boolean opened = false;
        ZmqCurve curve = null;
        try (ZContext ctx = new ZContext(1)) {
            ctx.setLinger(0);
            ZMQ.Socket s = ctx.createSocket(type);
            if (config.curveSecret != null) {
                // the ZAP handler runs in this context; a refused client's messages never arrive
                curve = ZmqCurve.server(ctx, config.curveSecret, config.curveAllowed, config.curveReload,
                        "zmq source " + endpoint, this::refused);
                curve.applyServer(s);
            }
            s.setRcvHWM(config.hwm);
            ZmqSockets.applyLimits(s, config, true);
            s.setReceiveTimeOut(pollMs);
            if (type == SocketType.SUB) {
                for (String topic : topics) {
                    s.subscribe(topic.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            where = ZmqSockets.open(s, endpoint, bind);
            opened = true;
            metrics.connectionOpened();
            ZmqSockets.dispatch(events, new ConnectionOpened(ZmqSockets.NAME, where));
            addr.tryEmitValue(where);
            LOG.debug("zmq {} source {} {}", type, bind ? "bound to" : "connected to", where);
            while (!stop.get() && !sink.isCancelled()) {
                if (sink.requestedFromDownstream() <= 0) {
                    LockSupport.parkNanos(pollNanos);
                    continue;
                }
                List<byte[]> frames = ZmqSockets.receive(s);
                if (frames == null) {
                    continue;
                }
                Message m;
                try {
                    m = WireFormat.decode(frames, offset);
                } catch (IllegalArgumentException e) {
                    metrics.error("malformed");
                    LOG.warn("zmq source {}: skipping malformed message: {}", where, e.getMessage());
                    ZmqSockets.dispatch(events, new ConnectionError(ZmqSockets.NAME, where,
                            "malformed message: " + e.getMessage(), e));
                    continue;
                }
                metrics.message(m.size());
                sink.next(m);
            }
        } catch (Throwable e) {
            metrics.error();
            LOG.warn("zmq {} source {} failed: {}", type, where, e.toString());
            sink.error(e);
        } finally {
            if (curve != null) {
                curve.close();
            }
            bound.end(addr);
            if (opened) {
                metrics.connectionClosed();
                ZmqSockets.dispatch(events, new ConnectionClosed(ZmqSockets.NAME, where));
            }
        }
    }

    /** A CURVE client refused by the allow-list: counted as {@code auth}, logged at most once a second. */
    private void refused(String reason, java.net.SocketAddress peer) {
        metrics.error("auth");
        String who = peer instanceof java.net.InetSocketAddress a ? a.getHostString() : "unknown";
        refusedLog.warn("zmq source " + endpoint + ": peer " + who + ": authentication failed: " + reason);
        ZmqSockets.dispatch(events, new ConnectionError(ZmqSockets.NAME, who, "authentication failed: " + reason,
                null));
    }
}
