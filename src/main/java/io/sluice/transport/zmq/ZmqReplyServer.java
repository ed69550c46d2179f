package io.sluice.transport.zmq;

import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.TransportMetrics;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * ZeroMQ REP server: receives one request at a time, asks the handler for the reply and sends it
 * back (REP is strictly request/reply, so requests are handled in order, one at a time). Runs on
 * its own thread ({@code sluice-zmq-rep-server}) with its own {@code ZContext}.
 *
 * <p>If the handler fails, completes empty or does not answer within {@code handlerTimeout}, the
 * reply is an empty message with header {@value #ERROR_HEADER} describing the failure (a REP socket
 * must answer before it can receive again); {@link LazyPirateClient} turns it into an error.
 *
 * <p>Requests may be in either format of {@code WireFormat}: a plain single-frame request (a stock
 * REQ socket's {@code send(bytes)}) is a message without headers and is answered plain, the reply's
 * payload as the only frame (an error reply: {@code "sluice-error: <reason>"} as text), so that
 * the stock client's {@code recv()} gets just the bytes; a two-frame request is answered in
 * Sluice's two-frame format.
 *
 * <p>{@link #start()} binds (or connects) and returns once the socket is ready;
 * {@link #dispose()} stops the thread and waits until the socket and context are closed, so the
 * same endpoint can be bound again at once.
 */
public final class ZmqReplyServer implements Disposable {

    /** Header of an error reply. */
    public static final String ERROR_HEADER = "sluice-error";

    private static final Logger LOG = LoggerFactory.getLogger(ZmqReplyServer.class);

    private final ZmqBuilder config;
    private final Function<Message, Mono<Message>> handler;
    private final boolean bind;
    private final EventDispatcher events;
    private final TransportMetrics metrics = new TransportMetrics(ZmqSockets.NAME);
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong handled = new AtomicLong();
    private final CompletableFuture<String> ready = new CompletableFuture<>();
    private final Thread thread;

    ZmqReplyServer(ZmqBuilder b, Function<Message, Mono<Message>> handler, boolean bind) {
        this.config = b;
        this.handler = handler;
        this.bind = bind;
        this.events = b.events;
        String endpoint = b.requireEndpoint();
        this.thread = new Thread(() -> run(endpoint), "sluice-zmq-rep-server");
        this.thread.setDaemon(true);
    }

    /**
     * Opens the socket; once only.
     *
     * @return this, bound and serving
     * @throws IllegalStateException if the socket could not be opened (e.g. address in use)
     */
    public ZmqReplyServer start() {
        thread.start();
        try {
            ready.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("zmq rep server could not open " + config.endpoint + ": "
                    + ZmqSockets.describe(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dispose();
            throw new IllegalStateException("interrupted while starting", e);
        } catch (TimeoutException e) {
            dispose();
            throw new IllegalStateException("zmq rep server did not start in 10 s", e);
        }
        return this;
    }

    /** @return the bound endpoint (with the actual port when bound to {@code *}); after {@link #start()} */
    public String endpoint() {
        return ready.getNow(null);
    }

    /** @return requests answered so far (errors included) */
    public long requestsHandled() {
        return handled.get();
    }

    /** @return counters: requests, bytes, errors */
    public TransportMetrics metrics() {
        return metrics;
    }

    /** Stops serving, closes socket and context, and waits (up to 10 s) for the thread to end. */
    @Override
    public void dispose() {
        stop.set(true);
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isDisposed() {
        return stop.get() && !thread.isAlive();
    }

    private void run(String endpoint) {
        int pollMs = (int) Math.max(1, config.pollInterval.toMillis());
        String where = endpoint;
        boolean opened = false;
        try (ZContext ctx = new ZContext(1)) {
            ctx.setLinger(0);
            ZMQ.Socket s = ctx.createSocket(SocketType.REP);
            ZmqSockets.applyLimits(s, config, true);
            s.setReceiveTimeOut(pollMs);
            s.setSendTimeOut(pollMs);
            where = ZmqSockets.open(s, endpoint, bind);
            opened = true;
            metrics.connectionOpened();
            ZmqSockets.dispatch(events, new ConnectionOpened(ZmqSockets.NAME, where));
            ready.complete(where);
            while (!stop.get()) {
                List<byte[]> frames = ZmqSockets.receive(s);
                if (frames == null) {
                    continue;
                }
                Message reply = answer(frames, where);
                if (reply == null) {
                    break; // stopped while the handler was running
                }
                // a plain (single-frame) request, e.g. from a stock REQ socket, gets a plain reply:
                // the reply's payload only (an error reply's reason becomes that payload)
                if (!ZmqSockets.send(s, WireFormat.frames(plainReply(frames, reply), frames.size() == 1), stop::get)) {
                    break;
                }
                handled.incrementAndGet();
            }
        } catch (Throwable e) {
            metrics.error();
            if (!ready.completeExceptionally(e)) {
                LOG.warn("zmq rep server {} failed: {}", where, e.toString());
            }
        } finally {
            if (opened) {
                metrics.connectionClosed();
                ZmqSockets.dispatch(events, new ConnectionClosed(ZmqSockets.NAME, where));
            }
        }
    }

    private Message answer(List<byte[]> frames, String where) throws InterruptedException {
        Message request;
        try {
            request = WireFormat.decode(frames, 0);
        } catch (IllegalArgumentException e) {
            metrics.error();
            ZmqSockets.dispatch(events, new ConnectionError(ZmqSockets.NAME, where, "malformed request: " + e.getMessage(), e));
            return error("malformed request: " + e.getMessage());
        }
        metrics.message(request.size());
        CompletableFuture<Message> f;
        try {
            f = handler.apply(request).toFuture();
        } catch (RuntimeException e) {
            return error("handler failed: " + ZmqSockets.describe(e));
        }
        long deadline = System.nanoTime() + config.handlerTimeout.toNanos();
        long slice = config.pollInterval.toNanos();
        while (true) {
            try {
                Message reply = f.get(Math.min(slice, Math.max(1, deadline - System.nanoTime())), TimeUnit.NANOSECONDS);
                return reply == null ? error("handler completed without a reply") : reply;
            } catch (TimeoutException e) {
                if (stop.get()) {
                    f.cancel(true);
                    return null;
                }
                if (System.nanoTime() - deadline >= 0) {
                    f.cancel(true);
                    return error("handler did not reply within " + config.handlerTimeout.toMillis() + " ms");
                }
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.warn("zmq rep server handler failed: {}", e.getCause().toString());
                return error("handler failed: " + ZmqSockets.describe(e.getCause()));
            }
        }
    }

    private static Message plainReply(List<byte[]> request, Message reply) {
        if (request.size() != 1 || reply.header(ERROR_HEADER).isEmpty()) {
            return reply;
        }
        return Message.ofUtf8(ERROR_HEADER + ": " + reply.header(ERROR_HEADER).get());
    }

        private Message error(String reason) {
        metrics.error();
        return Message.builder().header(ERROR_HEADER, reason).build();
    }
}
