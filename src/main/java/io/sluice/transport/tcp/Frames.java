package io.sluice.transport.tcp;

import io.sluice.Message;
import java.io.EOFException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.NoSuchElementException;
import reactor.core.Exceptions;

/**
 * The frames decoded from one read ({@link FrameDecoders}), in order: {@code byte[]} payloads, possibly
 * ended by a {@link FrameDecoders.TooLong} or {@link FrameDecoders.PartialFrame} marker. One clock
 * read stamps them all.
 */
final class Frames implements Iterable<Object> {

    /** Makes the message of one payload. */
    @FunctionalInterface
    interface ToMessage {
        /**
         * @param payload the frame's bytes (ownership passes to the message)
         * @param receivedAt when the read that completed it was decoded, epoch ms
         * @return the message
         */
        Message apply(byte[] payload, long receivedAt);
    }

    private final ArrayList<Object> items;
    /** When the read these frames came in was decoded (epoch ms): the timestamp of their messages. */
    final long receivedAt = System.currentTimeMillis();
    private int payloads;
    private long bytes;

    /** @param capacity payloads (and marker) expected */
    Frames(int capacity) {
        this.items = new ArrayList<>(capacity);
    }

    static Frames add(Frames f, byte[] payload) {
        Frames to = f == null ? new Frames(16) : f;
        to.items.add(payload);
        to.payloads++;
        to.bytes += payload.length;
        return to;
    }

    static Frames mark(Frames f, Object marker) {
        Frames to = f == null ? new Frames(1) : f;
        to.items.add(marker);
        return to;
    }

    /** @return the number of payloads (markers not counted) */
    int payloads() {
        return payloads;
    }

    /** @return the payloads' bytes in total */
    long bytes() {
        return bytes;
    }

    int size() {
        return items.size();
    }

    @Override
    public Iterator<Object> iterator() {
        return items.iterator();
    }

    /**
     * @param to how a payload becomes a message
     * @return the messages, in order; at a marker, {@code next()} throws its error, wrapped by
     *     {@link Exceptions#propagate} when checked ({@link Exceptions#unwrap} gives it back): a
     *     {@link io.netty.handler.codec.TooLongFrameException} or an {@link EOFException}
     */
    Iterable<Message> messages(ToMessage to) {
        return () -> new Iterator<>() {
            private int i;

            @Override
            public boolean hasNext() {
                return i < items.size();
            }

            @Override
            public Message next() {
                if (i >= items.size()) {
                    throw new NoSuchElementException();
                }
                Object o = items.get(i++);
                if (o instanceof byte[] p) {
                    return to.apply(p, receivedAt);
                }
                if (o instanceof FrameDecoders.TooLong t) {
                    throw t.error();
                }
                int pending = ((FrameDecoders.PartialFrame) o).pendingBytes();
                throw Exceptions.propagate(new EOFException(
                        "peer closed the connection mid-frame (" + pending + " bytes pending)"));
            }
        };
    }
}
