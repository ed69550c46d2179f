package io.sluice.transport.zmq;

import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.TransportMetrics;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Reliable request/reply over a ZeroMQ REQ socket with the <em>Lazy Pirate</em> pattern of the
 * ZeroMQ guide: send the request and wait up to {@code timeout} (default 2500 ms) for the reply; on
 * timeout set linger 0, close the socket, open a new one, and resend the same request, up to
 * {@code retries} times (default 3); then fail with {@link LazyPirateException}. A request is thus
 * sent at most {@code 1 + retries} times (the guide's {@code REQUEST_RETRIES = 3} counts the first
 * send too; here {@code retries} counts resends only). Since a request may be delivered more than
 * once when a reply was lost, handlers should be idempotent.
 *
 * <p>The socket lives on one dedicated thread ({@code sluice-zmq-lazy-pirate}); requests are queued
 * and handled one at a time in order. A server that answers with the
 * {@value ZmqReplyServer#ERROR_HEADER} header fails the request with {@link IllegalStateException}.
 * {@link #dispose()} closes socket, context and thread.
 */
public final class LazyPirateClient implements Disposable {

    private static final Logger LOG = LoggerFactory.getLogger(LazyPirateClient.class);

    private final ZmqBuilder config;
    private final boolean bind;
    private final String endpoint;
    private final EventDispatcher events;
    private final TransportMetrics metrics = new TransportMetrics(ZmqSockets.NAME);
    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong reopened = new AtomicLong();
    private final ExecutorService thread;
    private volatile boolean disposed;
    // confined to the thread
    private ZContext ctx;
    private ZMQ.Socket socket;

    LazyPirateClient(ZmqBuilder b, boolean bind) {
        this.config = b;
        this.bind = bind;
        this.endpoint = b.requireEndpoint();
        this.events = b.events;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-zmq-lazy-pirate");
            t.setDaemon(true);
            return t;
        });
    }

    /** @return how many times requests were sent in total (first sends and retries) */
    public long attempts() {
        return attempts.get();
    }

    /** @return how many times the socket was closed and reopened after a timeout */
    public long reopened() {
        return reopened.get();
    }

    /** @return counters: replies received, sockets opened/closed, timeouts as errors */
    public TransportMetrics metrics() {
        return metrics;
    }

    /**
     * Sends {@code request} reliably (see class doc). Cold: nothing is sent until subscribed.
     * Cancelling stops waiting at the next poll interval and resets the socket.
     *
     * @param request the request
     * @return the reply, or {@link LazyPirateException} once every attempt timed out
     */
    public Mono<Message> request(Message request) {
        return Mono.create(sink -> {
            AtomicBoolean cancelled = new AtomicBoolean();
            sink.onCancel(() -> cancelled.set(true));
            try {
                thread.execute(() -> exchange(request, sink, cancelled));
            } catch (RejectedExecutionException e) {
                sink.error(new IllegalStateException("lazy pirate client is disposed"));
            }
        });
    }

    /** Closes the socket and context and ends the thread (waits up to 10 s); pending requests fail. */
    @Override
    public void dispose() {
        if (disposed) {
            return;
        }
        disposed = true;
        try {
            thread.execute(this::closeSocket);
        } catch (RejectedExecutionException ignored) {
            // already shut down
        }
        thread.shutdown();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isDisposed() {
        return disposed;
    }

    private void exchange(Message request, MonoSink<Message> sink, AtomicBoolean cancelled) {
        if (disposed) {
            sink.error(new IllegalStateException("lazy pirate client is disposed"));
            return;
        }
        byte[][] frames = {WireFormat.meta(request), request.payload()};
        int pollMs = (int) Math.max(1, config.pollInterval.toMillis());
        long timeoutNanos = config.timeout.toNanos();
        int maxAttempts = 1 + config.retries;
        try {
            for (int attempt = 1; attempt <= maxAttempts; attempt++) {
                if (socket == null) {
                    openSocket();
                }
                attempts.incrementAndGet();
                if (!ZmqSockets.send(socket, frames, () -> cancelled.get() || disposed)) {
                    resetSocket();
                    return;
                }
                long deadline = System.nanoTime() + timeoutNanos;
                while (!cancelled.get() && !disposed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    socket.setReceiveTimeOut((int) Math.max(1, Math.min(pollMs, TimeUnit.NANOSECONDS.toMillis(left))));
                    List<byte[]> reply = ZmqSockets.receive(socket);
                    if (reply != null) {
                        deliver(reply, sink);
                        return;
                    }
                }
                if (cancelled.get() || disposed) {
                    resetSocket();
                    if (disposed) {
                        sink.error(new IllegalStateException("lazy pirate client is disposed"));
                    }
                    return;
                }
                metrics.error();
                LOG.warn("zmq lazy pirate: no reply from {} within {} ms (attempt {} of {}){}", endpoint,
                        config.timeout.toMillis(), attempt, maxAttempts, attempt < maxAttempts ? ", reconnecting" : "");
                ZmqSockets.dispatch(events, new ConnectionError(ZmqSockets.NAME, endpoint,
                        "no reply within " + config.timeout.toMillis() + " ms (attempt " + attempt + " of " + maxAttempts + ")", null));
                resetSocket();
                if (attempt < maxAttempts) {
                    reopened.incrementAndGet();
                }
            }
            sink.error(new LazyPirateException(endpoint, maxAttempts, config.timeout.toMillis()));
        } catch (Throwable e) {
            metrics.error();
            resetSocket();
            sink.error(e);
        }
    }

    private void deliver(List<byte[]> frames, MonoSink<Message> sink) {
        Message reply;
        try {
            reply = WireFormat.decode(frames, 0);
        } catch (IllegalArgumentException e) {
            metrics.error();
            sink.error(new IllegalStateException("malformed reply from " + endpoint + ": " + e.getMessage(), e));
            return;
        }
        String err = reply.headers().get(ZmqReplyServer.ERROR_HEADER);
        if (err != null) {
            sink.error(new IllegalStateException("server " + endpoint + " replied with an error: " + err));
            return;
        }
        metrics.message(reply.size());
        sink.success(reply);
    }

    private void openSocket() {
        if (ctx == null) {
            ctx = new ZContext(1);
            ctx.setLinger(0);
        }
        socket = ctx.createSocket(SocketType.REQ);
        ZmqSockets.applyLimits(socket, config, true);
        socket.setSendTimeOut((int) Math.max(1, config.pollInterval.toMillis()));
        ZmqSockets.open(socket, endpoint, bind);
        metrics.connectionOpened();
        ZmqSockets.dispatch(events, new ConnectionOpened(ZmqSockets.NAME, endpoint));
    }

    /** Lazy Pirate: linger 0 (the context's), close; the next attempt opens a fresh socket. */
    private void resetSocket() {
        if (socket != null) {
            ctx.destroySocket(socket);
            socket = null;
            metrics.connectionClosed();
            ZmqSockets.dispatch(events, new ConnectionClosed(ZmqSockets.NAME, endpoint));
        }
    }

    private void closeSocket() {
        resetSocket();
        if (ctx != null) {
            ctx.close();
            ctx = null;
        }
    }
}
