package io.sluice.transport.rsocket;

import io.rsocket.Payload;
import io.rsocket.util.DefaultPayload;
import io.sluice.Message;
import io.sluice.transport.internal.MessageMetadata;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Conversion between {@link Message} and RSocket {@link Payload}: data = payload; metadata =
 * {@link MessageMetadata} when Sluice sends. What is accepted as metadata, in this order:
 *
 * <ol>
 *   <li>none, or zero bytes (what a stock client sends by default): a message with no headers;</li>
 *   <li>Sluice's {@link MessageMetadata} (first byte 1, and the whole metadata decodes strictly);</li>
 *   <li>composite metadata ({@code message/x.rsocket.composite-metadata.v0}): entries are skipped,
 *       except that the first tag of a {@code message/x.rsocket.routing.v0} entry becomes the
 *       {@value #ROUTE_HEADER} header;</li>
 *   <li>bare routing metadata ({@code message/x.rsocket.routing.v0}): its first tag becomes the
 *       {@value #ROUTE_HEADER} header.</li>
 * </ol>
 * Anything else fails the payload. The checks are on the metadata bytes (the connection's SETUP
 * MIME types are not consulted: Sluice's own authenticated client declares composite metadata for its
 * SETUP and still sends Sluice metadata with its payloads); the step 3 and 4 parsers are strict
 * (every entry, tag and length must add up to exactly the metadata's length).
 */
final class Payloads {

    /** The header that carries the route of routing metadata. */
    static final String ROUTE_HEADER = "route";

    /** Well-known MIME id of {@code message/x.rsocket.routing.v0} in composite metadata. */
    private static final int ROUTING_ID = 0x7E;
    private static final String ROUTING_MIME = "message/x.rsocket.routing.v0";

    private Payloads() {
    }

    static Payload toPayload(Message m) {
        return DefaultPayload.create(ByteBuffer.wrap(m.payload()), ByteBuffer.wrap(MessageMetadata.encode(m)));
    }

    /**
     * Copies the payload out and releases it.
     *
     * @param maxMessageSize largest accepted data + metadata, in bytes
     * @throws IllegalArgumentException when the payload is larger, or its metadata is none of the above
     */
    static Message toMessage(Payload p, int maxMessageSize) {
        try {
            int size = p.data().readableBytes() + (p.hasMetadata() ? p.metadata().readableBytes() : 0);
            if (size > maxMessageSize) {
                throw new IllegalArgumentException("payload of " + size + " bytes (data + metadata) exceeds maxMessageSize "
                        + maxMessageSize);
            }
            byte[] data = bytes(p.getData());
            byte[] meta = p.hasMetadata() ? bytes(p.getMetadata()) : new byte[0];
            return toMessage(meta, data);
        } finally {
            p.release();
        }
    }

    /**
     * @param meta the payload's metadata (empty if it had none)
     * @param data the payload's data
     * @return the message
     * @throws IllegalArgumentException when the metadata is in none of the accepted formats
     */
    static Message toMessage(byte[] meta, byte[] data) {
        if (meta.length == 0) {
            return Message.of(data);
        }
        IllegalArgumentException sluice = null;
        if (meta[0] == MessageMetadata.VERSION) {
            try {
                return MessageMetadata.decode(meta, data);
            } catch (IllegalArgumentException e) {
                sluice = e;
            }
        }
        String route = compositeRoute(meta);
        if (route == null) {
            route = routingTag(meta, 0, meta.length);
        }
        if (route == null) {
            throw new IllegalArgumentException("metadata of " + meta.length + " bytes is neither Sluice's"
                    + (sluice == null ? "" : " (" + sluice.getMessage() + ")")
                    + " nor composite or routing metadata", sluice);
        }
        Message.Builder b = Message.builder().payload(data);
        if (!route.isEmpty()) {
            b.header(ROUTE_HEADER, route);
        }
        return b.build();
    }

    /** @return the route of a routing entry ("" if none), or null if this is not composite metadata */
    private static String compositeRoute(byte[] m) {
        String route = "";
        int i = 0;
        while (i < m.length) {
            int b = m[i++] & 0xFF;
            boolean routing;
            if ((b & 0x80) != 0) {
                routing = (b & 0x7F) == ROUTING_ID;
            } else {
                int len = b + 1;
                if (i + len > m.length) {
                    return null;
                }
                routing = ROUTING_MIME.equals(new String(m, i, len, StandardCharsets.US_ASCII));
                i += len;
            }
            if (i + 3 > m.length) {
                return null;
            }
            int len = ((m[i] & 0xFF) << 16) | ((m[i + 1] & 0xFF) << 8) | (m[i + 2] & 0xFF);
            i += 3;
            if (i + len > m.length) {
                return null;
            }
            if (routing && route.isEmpty()) {
                String tag = routingTag(m, i, i + len);
                if (tag == null) {
                    return null;
                }
                route = tag;
            }
            i += len;
        }
        return route;
    }

    /** @return the first tag of routing metadata in {@code m[from, to)}, or null if it is not routing metadata */
    private static String routingTag(byte[] m, int from, int to) {
        String first = null;
        int i = from;
        while (i < to) {
            int len = m[i++] & 0xFF;
            if (len == 0 || i + len > to) {
                return null;
            }
            if (first == null) {
                first = new String(m, i, len, StandardCharsets.UTF_8);
            }
            i += len;
        }
        return first;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
