package io.sluice.transport.internal;

import io.netty.buffer.Unpooled;
import io.sluice.event.EventDispatcher;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;

/** Small pieces of plumbing the transport packages share. Not part of the user-facing API. */
public final class TransportSupport {

    private TransportSupport() {
    }

    /**
     * Dispatches {@code event} when a dispatcher is configured.
     *
     * @param events the dispatcher, or null
     * @param event the event
     */
    public static void publish(EventDispatcher events, Object event) {
        if (events != null) {
            events.dispatch(event);
        }
    }

    /**
     * @param c a connection
     * @return completes once every write queued on {@code c} before it has left the channel
     */
    public static Mono<Void> drained(Connection c) {
        return Mono.create(s -> c.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (f.isSuccess()) {
                s.success();
            } else {
                s.error(f.cause());
            }
        }));
    }

    /**
     * @param c a connection
     * @return completes when {@code c} is closed
     */
    public static Mono<Void> close(Connection c) {
        c.dispose();
        return c.onDispose();
    }

    /**
     * @param e a failure
     * @return its simple class name and message, for a {@code ConnectionError} reason
     */
    public static String text(Throwable e) {
        String cls = e.getClass().getSimpleName();
        return e.getMessage() == null ? cls : cls + ": " + e.getMessage();
    }

    /**
     * The request's path, or null when its URI is not a valid URI (a NUL byte or a space in the path
     * gets past Netty's request-line parser, and reactor-netty's {@code fullPath()} then throws
     * {@link IllegalArgumentException} out of the handler: no answer, and an ERROR stack trace).
     *
     * @param req an HTTP request
     * @return its path, or null if malformed
     */
    public static String requestPath(HttpServerRequest req) {
        try {
            return req.fullPath();
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }
}
