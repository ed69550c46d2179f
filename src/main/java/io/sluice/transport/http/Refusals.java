package io.sluice.transport.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Refuses the requests of one connection that its {@link IngestHandler} has routed to the source: 413
 * when the body is larger than allowed, 503 when the pipeline cannot take the message. Each refusal is
 * reported ({@link RequestHandler#reject}) and answered through the handler. A request refused with 503
 * before its body was read (it waited for room in vain, or the source is stopping) has that body read
 * and dropped first, at most {@code maxBodySize} bytes for at most {@value RequestHandler#DISCARD_MS} ms:
 * the connection closes after the answer, and closing a socket with unread bytes makes the kernel send a
 * TCP reset, which can destroy the 503 before the client read it. Event loop only; the handler creates
 * it at the connection's first refusal, so a connection whose requests are all accepted never has one.
 */
final class Refusals {

    private final IngestHandler handler;
    private final RequestHandler shared;
    private final ChannelHandlerContext ctx;
    private final Replies replies;
    /** Why the request whose body is being discarded is refused; null while none is. */
    private String discarding;
    private long discarded;
    private ScheduledFuture<?> discardTimer;

    Refusals(IngestHandler handler, RequestHandler shared, ChannelHandlerContext ctx, Replies replies) {
        this.handler = handler;
        this.shared = shared;
        this.ctx = ctx;
        this.replies = replies;
    }

    /** 413, closing the connection: the rest of the body is not read. */
    void tooLarge(String detail) {
        refuse("body too large (" + detail + ", maximum " + shared.maxBodySize + "): 413",
                HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, true);
    }

    /** 503; {@code bodyUnread}: the connection cannot be reused and closes after the answer. */
    void unavailable(String detail, boolean bodyUnread) {
        refuse("pipeline cannot accept the message (" + detail + "): 503", HttpResponseStatus.SERVICE_UNAVAILABLE,
                bodyUnread);
    }

    private void refuse(String reason, HttpResponseStatus status, boolean close) {
        shared.reject(RequestHandler.remote(ctx.channel()), reason);
        handler.answer(status, close);
    }

    /**
     * Refuses {@code request} with 503 without having read its body (the source is stopping, or no room
     * came within {@code acceptTimeout}): the body is read and discarded first (see the class comment),
     * then the connection closes.
     */
    void discard(HttpRequest request) {
        discarding = shared.handoff.isRefusing() ? "source is shutting down"
                : "no room in the hand-off within " + shared.acceptTimeout;
        discarded = 0;
        replies.continueIfExpected(request);
        discardTimer = ctx.executor().schedule(this::unavailableUnread, RequestHandler.DISCARD_MS, TimeUnit.MILLISECONDS);
    }

    /** A part of the body of a request being discarded (of none: ignored); the 503 once it is all read. */
    void drop(HttpContent c) {
        if (discarding == null) {
            return;
        }
        discarded += c.content().readableBytes();
        if (c instanceof LastHttpContent || discarded > shared.maxBodySize) {
            unavailableUnread();
        }
    }

    private void unavailableUnread() {
        String detail = discarding;
        if (detail == null) {
            return;
        }
        discarding = null;
        if (discardTimer != null) {
            discardTimer.cancel(false);
            discardTimer = null;
        }
        unavailable(detail, true);
        replies.flush();
    }

    /** The connection closed: a discard in progress ends without an answer. */
    void closed() {
        discarding = null;
        if (discardTimer != null) {
            discardTimer.cancel(false);
        }
    }
}
