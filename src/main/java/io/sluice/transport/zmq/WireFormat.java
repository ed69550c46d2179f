package io.sluice.transport.zmq;

import io.sluice.Message;
import io.sluice.transport.internal.MessageMetadata;
import java.util.List;

/**
 * Sluice's ZeroMQ wire formats. One {@link Message} is one ZeroMQ message (all of its frames arrive
 * together or not at all), preceded by a topic frame on PUB/SUB. The number of frames tells the two
 * formats apart, so no byte of the payload is ever interpreted:
 *
 * <pre>
 * Sluice format (default for sinks): 2 frames (3 on PUB/SUB)
 * +---------+------------------------------------------------------------+
 * | [topic] | PUB/SUB only: UTF-8 topic (SUB filters on its prefix)      |
 * | meta    | {@link MessageMetadata} (version, sequence, timestamp, key, headers) |
 * | payload | the payload bytes, unchanged                               |
 * +---------+------------------------------------------------------------+
 *
 * Plain format (what stock clients send; sinks with plain = true): 1 frame (1 or 2 on PUB/SUB)
 * +---------+------------------------------------------------------------+
 * | [topic] | PUB/SUB, optional: the message key (UTF-8; empty: no key)  |
 * | payload | the payload bytes, unchanged                               |
 * +---------+------------------------------------------------------------+
 * </pre>
 *
 * A plain message becomes a message with that payload, no headers, sequence 0, the arrival time
 * as timestamp, and as key the topic frame's text if there is a non-empty one (a Sluice PUB sink's
 * topic is the message key by default, so the key survives PUB to SUB). On SUB a single frame is the
 * payload (stock publishers often put the topic at the start of the payload; it is kept there).
 * Any other frame count is malformed.
 */
final class WireFormat {

    private WireFormat() {
    }

    /**
     * @param m a message
     * @return its meta frame
     */
    static byte[] meta(Message m) {
        return MessageMetadata.encode(m);
    }

    /**
     * @param m a message
     * @param plain whether to send the plain format
     * @return the frames after the topic frame (if any): {@code meta, payload} or {@code payload}
     */
    static byte[][] frames(Message m, boolean plain) {
        return plain ? new byte[][] {m.payload()} : new byte[][] {meta(m), m.payload()};
    }

    /**
     * @param frames the frames of one ZeroMQ message
     * @param offset where the meta frame is in the Sluice format (1 after a topic frame)
     * @return the message
     * @throws IllegalArgumentException when the frames are in neither format
     */
    static Message decode(List<byte[]> frames, int offset) {
        int n = frames.size();
        if (n == offset + 2) {
            return MessageMetadata.decode(frames.get(offset), frames.get(offset + 1));
        }
        if (n == 2 && offset == 1 && frames.get(0).length > 0) {
            return Message.builder().payload(frames.get(1))
                    .key(new String(frames.get(0), java.nio.charset.StandardCharsets.UTF_8)).build();
        }
        if (n == offset + 1 || (offset == 1 && n == 1)) {
            return Message.of(frames.get(n - 1));
        }
        throw new IllegalArgumentException("expected " + (offset + 1) + " frame(s) (plain) or " + (offset + 2)
                + " (with Sluice metadata), got " + n);
    }
}
