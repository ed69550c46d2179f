package io.sluice.transport.internal;

import io.netty.buffer.Unpooled;
import io.sluice.event.EventDispatcher;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

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
}
