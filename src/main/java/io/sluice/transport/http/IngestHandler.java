package io.sluice.transport.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.sluice.Message;
import io.sluice.transport.auth.ServerSecurity;
import io.sluice.transport.internal.AwaitedAck;
import io.sluice.transport.internal.CloseReasons;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * Serves the requests of one HTTP connection with plain Netty, on its event loop, in front of
 * reactor-netty's per-request handling (which never sees a request): routes, checks the size and
 * the client, takes a permit <em>before</em> the body is read (a request without one waits with the
 * socket unread), copies the body out, offers the message and answers 202, 413 or 503 (see
 * {@link HttpSource}). One request at a time: while one waits (for a permit, the pipeline's
 * decision, durability) nothing more is read, and requests that came with it (pipelining) wait
 * their turn, so answers go out in request order. {@link Refusals} answers the 413s and 503s. Decoding,
 * TLS and the connection's limits stay reactor-netty's and the handlers in front of this one.
 */
final class IngestHandler extends ChannelInboundHandlerAdapter {

    static final String NAME = "sluiceIngest";
    private static final Logger LOG = LoggerFactory.getLogger(IngestHandler.class);

    private enum State { IDLE, READING, CLOSING }

    private final RequestHandler shared;
    private final ArrayDeque<Object> waiting = new ArrayDeque<>(2);
    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    /** An asynchronous step of the current request is outstanding: nothing else is handled meanwhile. */
    private boolean busy;
    private Replies replies;
    /** Created at the connection's first 413 or 503. */
    private Refusals refusals;
    // the current request
    private HttpRequest request;
    private boolean keepAlive;
    private boolean answered;
    private long declared;
    private String client;
    private Permits.Permit permit;
    private Disposable pending;
    private Body body;

    IngestHandler(RequestHandler shared) {
        this.shared = shared;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.replies = new Replies(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject)) {
            ctx.fireChannelRead(msg);
            return;
        }
        replies.reading();
        if (busy || !waiting.isEmpty()) {
            waiting.add(msg);
            return;
        }
        handle(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        replies.readDone();
        if (!busy && state != State.CLOSING) {
            ctx.read(); // reactor-netty's server reads on request: ask for the next bytes
        }
        // not passed on: reactor-netty's request handling behind this handler sees no request, and
        // must not ask for reads while a request here waits
    }

    private void handle(Object msg) {
        try {
            if (state == State.CLOSING) {
                return;
            }
            if (msg instanceof HttpRequest req) {
                start(req);
            }
            if (msg instanceof HttpContent c && !busy) {
                content(c);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void start(HttpRequest req) {
        request = req;
        answered = false;
        keepAlive = HttpUtil.isKeepAlive(req);
        shared.answering.incrementAndGet();
        FullHttpResponse routed = shared.route(req, ctx.channel(), keepAlive, http10KeepAlive());
        if (routed != null) {
            answer(routed, !keepAlive || routed.headers().contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true));
            return;
        }
        ServerSecurity.Verdict who = shared.security.authenticate(req.headers().get(HttpHeaderNames.AUTHORIZATION),
                ctx.channel(), ctx.channel().remoteAddress());
        if (!who.accepted()) { // refused before the body is read; closed so the unread body is not parsed
            answer(RequestHandler.unauthorized(), true);
            return;
        }
        client = who.identity();
        String declaredHeader = req.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        declared = declaredHeader == null ? -1 : RequestHandler.parseLength(declaredHeader);
        if (declared > shared.maxBodySize) {
            refusals().tooLarge(declaredHeader + " bytes declared");
            return;
        }
        if (shared.handoff.isRefusing()) {
            refusals().discard(request);
            return;
        }
        Permits.Permit free = shared.permits.tryAcquire();
        if (free != null) { // the common case: room now, no asynchronous wait
            read(free);
            return;
        }
        later(shared.permits.acquire(shared.acceptTimeout).subscribe(p -> ctx.executor().execute(() -> {
            if (!ctx.channel().isActive()) {
                p.release(); // closed meanwhile (its cancel may have given it back already: idempotent)
                return;
            }
            then(() -> {
                if (p.granted()) {
                    read(p);
                } else {
                    refusals().discard(request);
                }
            });
        })));
    }

    /** Reads the body of the current request, holding {@code p}. */
    private void read(Permits.Permit p) {
        permit = p;
        body = new Body(shared.maxBodySize, declared);
        state = State.READING;
        replies.continueIfExpected(request);
    }

    private void content(HttpContent c) {
        if (state == State.READING) {
            if (!body.add(c.content())) {
                releasePermit();
                state = State.IDLE;
                refusals().tooLarge("more than " + shared.maxBodySize + " bytes sent");
                return;
            }
            if (c instanceof LastHttpContent) {
                state = State.IDLE;
                received();
            }
        } else if (refusals != null) {
            refusals.drop(c); // IDLE: the body of a request refused unread, or of one answered already (404, 405)
        }
    }

    /** The whole body is in: offers the message and answers (202, or 503 when it was refused). */
    private void received() {
        AwaitedAck durable = shared.awaitDurable ? new AwaitedAck() : null;
        Message m = shared.message(request.headers(), body.bytes(), client);
        if (durable != null) {
            m = durable.attach(m);
        }
        body = null;
        Permits.Permit p = permit;
        permit = null;
        Handoff.Outcome outcome = shared.handoff.offer(m, p);
        Boolean now = outcome.now(); // known at once unless another thread is delivering it right now
        if (now != null) {
            accepted(m, durable, now);
            return;
        }
        Message sent = m;
        later(outcome.later().subscribe(a -> ctx.executor().execute(() -> then(() -> accepted(sent, durable, a)))));
    }

    private void accepted(Message m, AwaitedAck durable, boolean accepted) {
        if (!accepted) {
            refusals().unavailable("the pipeline refused the message", false);
            return;
        }
        shared.reporter.metrics().message(m.size());
        if (durable == null) {
            answer(HttpResponseStatus.ACCEPTED, false);
            return;
        }
        later(durable.outcome(AwaitedAck.waitFor(shared.acceptTimeout)).subscribe(refusal -> ctx.executor().execute(
                () -> then(() -> {
                    if (refusal.isEmpty()) {
                        answer(HttpResponseStatus.ACCEPTED, false);
                    } else {
                        refusals().unavailable(refusal.get(), false);
                    }
                }))));
    }

    /**
     * The current request waits for {@code step}, whose result comes back on this event loop
     * ({@link #then}): nothing more is read or handled meanwhile.
     */
    private void later(Disposable step) {
        busy = true;
        pending = step;
    }

    /** On the event loop, with the result of the step the request waited for. */
    private void then(Runnable action) {
        busy = false;
        pending = null;
        if (state == State.CLOSING && !ctx.channel().isActive()) {
            return;
        }
        action.run();
        if (!busy) {
            resume();
        }
    }

    /** After an asynchronous step: handles what arrived meanwhile, then reads on. */
    private void resume() {
        Object next;
        while (!busy && (next = waiting.poll()) != null) {
            handle(next);
        }
        replies.flush();
        if (!busy && state != State.CLOSING && ctx.channel().isActive()) {
            ctx.read();
        }
    }

    private Refusals refusals() {
        if (refusals == null) {
            refusals = new Refusals(this, shared, ctx, replies);
        }
        return refusals;
    }

    /**
     * Answers the current request with an empty-bodied {@code status}.
     *
     * @param close whether the connection closes after the answer (it does anyway unless kept alive)
     */
    void answer(HttpResponseStatus status, boolean close) {
        boolean closing = close || !keepAlive;
        answer(RequestHandler.response(status, closing, http10KeepAlive()), closing);
    }

    private void answer(FullHttpResponse r, boolean close) {
        answered();
        if (close) {
            state = State.CLOSING;
        }
        replies.write(r, close);
    }

    /** The current request is answered (or never will be): a graceful close stops waiting for it. */
    private void answered() {
        if (!answered) {
            answered = true;
            shared.answering.decrementAndGet();
        }
    }

    private boolean http10KeepAlive() {
        return keepAlive && request != null && HttpVersion.HTTP_1_0.equals(request.protocolVersion());
    }

    private void releasePermit() {
        if (permit != null) {
            permit.release();
            permit = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == State.READING && CloseReasons.of(ctx.channel()) == null) {
            String of = declared >= 0 ? " of " + declared : "";
            shared.reject(RequestHandler.remote(ctx.channel()), "request body incomplete after " + body.size + of
                    + " bytes, no message: the connection closed");
        }
        state = State.CLOSING;
        releasePermit();
        if (pending != null) {
            pending.dispose(); // a permit granted meanwhile goes back (Permits' cancel)
            pending = null;
        }
        if (refusals != null) {
            refusals.closed();
        }
        if (request != null) {
            answered();
        }
        Object m;
        while ((m = waiting.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("http source: closing {}", ctx.channel().remoteAddress(), cause);
        ctx.close(); // the peer reset the connection, or a write failed: it is reported when it closes
    }
}
