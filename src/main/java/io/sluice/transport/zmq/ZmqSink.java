package io.sluice.transport.zmq;

import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.SinkDisconnected;
import io.sluice.event.SinkReconnected;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Sink;
import io.sluice.transport.Listening;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.BoundAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import io.sluice.transport.auth.ZmqCurve;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;

/**
 * ZeroMQ PUSH or PUB sink. Each {@link #write(Flux)} opens its own {@code ZContext} and socket on a
 * dedicated thread ({@code sluice-zmq-push-sink} / {@code sluice-zmq-pub-sink}), hands messages to
 * that thread through a bounded queue ({@code prefetch}; the input is requested only as the queue
 * drains), and sends each as one multipart message (see {@code WireFormat}; PUB prepends the topic
 * frame), or as its payload frame alone with {@link ZmqBuilder#plain(boolean)}.
 *
 * <p>The socket is opened with {@code ZMQ_IMMEDIATE}: messages are queued only for established
 * connections, so a connecting sink waits (retrying every poll interval) until its peer is up,
 * rather than queueing into a connection that may never be established (ZeroMQ discards those
 * messages on close, whatever the linger).
 *
 * <p><b>Stalled handshakes (JeroMQ 0.6.0):</b> a fresh TCP connection's ZMTP handshake
 * occasionally never completes (a few percent of loopback connections in tests, reproduced with
 * plain JeroMQ sockets: a socket monitor shows {@code CONNECTED} on the connecting side and
 * {@code ACCEPTED} on the other, and no {@code HANDSHAKE_PROTOCOL} on either, for as long as one
 * waits). JeroMQ nevertheless queues messages to such a connection despite {@code ZMQ_IMMEDIATE},
 * so they were lost, silently, when the socket closed. Therefore every socket has a handshake
 * timeout ({@code ZMQ_HANDSHAKE_IVL}, {@link ZmqBuilder#handshakeTimeout}, default 2 s) after which
 * a stalled connection is dropped and a connecting socket reconnects, and a connecting sink sends
 * its first message only after a socket monitor reported a completed handshake. The wait is for
 * the first connection only; a later reconnect (e.g. the peer restarted) is plain ZeroMQ again.
 *
 * <p>Backpressure: a PUSH socket whose peers are slow (or absent) reaches its high-water mark and
 * stops accepting; the thread then retries every poll interval, so the input is not requested
 * further. A PUB socket never waits: ZeroMQ drops messages for subscribers that are at their
 * high-water mark, and everything published before a subscriber joined (slow joiner, see
 * {@link ZmqSource}).
 *
 * <p>The returned {@code Mono} completes after the input completed, every message was handed to
 * ZeroMQ, and the socket and context were closed (closing waits up to {@code linger} for queued
 * messages to leave). Cancelling it stops the thread within one poll interval and discards what is
 * still queued (linger 0).
 *
 * <p><b>PUSH has no acknowledgement:</b> ZeroMQ reports no loss. Messages queued for a peer that
 * goes away (or a connection that breaks) are lost without an error or event; this shows only in
 * the metrics: this sink's {@link #metrics()}{@code .messages()} counts messages handed to ZeroMQ,
 * the receiving {@link ZmqSource}'s {@code metrics().messages()} those that arrived. Where every
 * message must arrive, keep the input open until the receiver confirms (e.g. over a REQ/REP
 * channel), or use REQ/REP with {@link LazyPirateClient}, which resends on timeout.
 */
public final class ZmqSink extends SocketSide implements Sink<Message>, Listening {

    private static final Logger LOG = LoggerFactory.getLogger(ZmqSink.class);

    private final Function<Message, String> topicOf;
    private final boolean plain;

    ZmqSink(ZmqBuilder b, SocketType type, boolean bind) {
        super(b, type, bind);
        this.topicOf = b.topicOf;
        this.plain = b.plain;
    }

    @Override
    public Mono<Void> write(Flux<Message> elements) {
        return Mono.create(done -> {
            Worker w = new Worker(elements, done, bound.begin());
            Thread t = new Thread(w, threadName("sink"));
            t.setDaemon(true);
            done.onCancel(() -> w.stop.set(true));
            t.start();
        });
    }

    /**
     * A connecting sink's peer as its socket monitor reports it: a {@link SinkDisconnected} when the
     * connection drops (ZeroMQ reconnects by itself; while no peer is connected {@code ZMQ_IMMEDIATE}
     * makes sends wait, so nothing more is requested), a {@link SinkReconnected} at the next handshake.
     * What was queued to the dropped connection is lost (ZeroMQ does not say how much).
     */
    private final class Peer {
        final String name;
        long down;

        Peer(String where) {
            this.name = "zmq " + where;
        }

        void report(ZMQ.Socket monitor) {
            for (int e = ZmqSockets.nextEvent(monitor); e != -1; e = ZmqSockets.nextEvent(monitor)) {
                if (e == ZMQ.EVENT_DISCONNECTED) {
                    down++;
                    LOG.warn("{} sink: peer disconnected; ZeroMQ reconnects", name);
                    ZmqSockets.dispatch(events, new SinkDisconnected(name, down, "peer disconnected", null));
                } else if (e == ZMQ.EVENT_HANDSHAKE_PROTOCOL && down > 0) {
                    LOG.info("{} sink: reconnected", name);
                    ZmqSockets.dispatch(events, new SinkReconnected(name, down));
                    down = 0;
                }
            }
        }
    }

    private final class Worker extends BaseSubscriber<Message> implements Runnable {
        final Flux<Message> input;
        final MonoSink<Void> done;
        final Sinks.One<String> addr;
        final AtomicBoolean stop = new AtomicBoolean();
        final BlockingQueue<Message> queue = new ArrayBlockingQueue<>(config.prefetch);
        volatile boolean completed;
        volatile Throwable failed;

        Worker(Flux<Message> input, MonoSink<Void> done, Sinks.One<String> addr) {
            this.input = input;
            this.done = done;
            this.addr = addr;
        }

        @Override
        protected void hookOnSubscribe(Subscription s) {
            s.request(config.prefetch);
        }

        @Override
        protected void hookOnNext(Message m) {
            if (!queue.offer(m)) {
                // cannot happen: we never request more than the queue's free capacity
                failed = new IllegalStateException("zmq sink queue overflow");
                cancel();
            }
        }

        @Override
        protected void hookOnComplete() {
            completed = true;
        }

        @Override
        protected void hookOnError(Throwable t) {
            failed = t;
        }

        @Override
        public void run() {
            int pollMs = (int) Math.max(1, config.pollInterval.toMillis());
            String where = endpoint;
            boolean opened = false;
            Throwable error = null;
            ZContext ctx = new ZContext(1);
            try {
                ZMQ.Socket s = ctx.createSocket(type);
                if (config.curveSecret != null) {
                    ZmqCurve.applyClient(s, config.curveSecret, config.curveServerKey);
                }
                s.setSndHWM(config.hwm);
                s.setSendTimeOut(pollMs);
                // JeroMQ's sessions take the linger in force when they connect, so set it up front;
                // it is lowered to 0 on cancel or error (effective for what is still in the socket).
                s.setLinger(config.linger.toMillis());
                // Queue only to established connections: ZeroMQ discards, even with linger, messages
                // queued for a connection that was never established when the socket closes.
                s.setImmediate(true);
                ZmqSockets.applyLimits(s, config, false);
                // a connecting sink sends nothing before its connection's ZMTP handshake completed:
                // JeroMQ 0.6.0 queues messages to a fresh connection even with ZMQ_IMMEDIATE, and
                // when that connection's handshake stalls (see ZmqBuilder.handshakeTimeout) they are
                // lost with it; the handshake timeout drops the stalled connection and reconnects
                ZMQ.Socket monitor = bind ? null : ZmqSockets.monitorHandshakes(ctx, s, pollMs);
                where = ZmqSockets.open(s, endpoint, bind);
                opened = true;
                metrics.connectionOpened();
                ZmqSockets.dispatch(events, new ConnectionOpened(ZmqSockets.NAME, where));
                addr.tryEmitValue(where);
                input.subscribe((CoreSubscriber<Message>) this);
                if (monitor != null) {
                    // stop waiting too when there is nothing to send: a failed or empty input
                    ZmqSockets.awaitHandshake(monitor, () -> stop.get() || failed != null || (completed && queue.isEmpty()));
                }
                Peer peer = new Peer(where);
                while (!stop.get()) {
                    if (monitor != null) {
                        peer.report(monitor);
                    }
                    Message m = queue.poll(pollMs, TimeUnit.MILLISECONDS);
                    if (m == null) {
                        if (failed != null) {
                            error = failed;
                            break;
                        }
                        if (completed && queue.isEmpty()) {
                            break;
                        }
                        continue;
                    }
                    byte[][] frames = WireFormat.frames(m, plain);
                    if (type == SocketType.PUB) {
                        byte[][] withTopic = new byte[frames.length + 1][];
                        withTopic[0] = topicOf.apply(m).getBytes(StandardCharsets.UTF_8);
                        System.arraycopy(frames, 0, withTopic, 1, frames.length);
                        frames = withTopic;
                    }
                    // while ZMQ_IMMEDIATE holds the send back (no peer), the monitor's events are reported too
                    if (!ZmqSockets.send(s, frames, monitor == null ? stop::get : () -> {
                        peer.report(monitor);
                        return stop.get();
                    })) {
                        break;
                    }
                    metrics.message(m.size());
                    request(1);
                }
                if (stop.get() || error != null) {
                    s.setLinger(0);
                }
                if (monitor != null) {
                    ZmqSockets.closeMonitor(ctx, s, monitor);
                }
            } catch (Throwable e) {
                error = e;
                metrics.error();
                LOG.warn("zmq {} sink {} failed: {}", type, where, e.toString());
            } finally {
                cancel();
                ctx.close();
                bound.end(addr);
                if (opened) {
                    metrics.connectionClosed();
                    ZmqSockets.dispatch(events, new ConnectionClosed(ZmqSockets.NAME, where));
                }
            }
            if (error != null) {
                done.error(error);
            } else {
                done.success();
            }
        }
    }
}
