package io.sluice.transport.zmq;

import io.sluice.Message;
import io.sluice.transport.internal.MessageMetadata;
import java.util.List;

/**
 * Sluice's ZeroMQ wire format: one {@link Message} is one multipart ZeroMQ message of two frames,
 * preceded by a topic frame on PUB/SUB.
 *
 * <pre>
 * +---------+------------------------------------------------------------+
 * | [topic] | PUB/SUB only: UTF-8 topic (SUB filters on its prefix)      |
 * | meta    | {@link MessageMetadata} (version, sequence, timestamp, key, headers) |
 * | payload | the payload bytes, unchanged                               |
 * +---------+------------------------------------------------------------+
 * </pre>
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
     * @param frames the frames of one ZeroMQ message
     * @param offset where the meta frame is (1 after a topic frame)
     * @return the message
     * @throws IllegalArgumentException when the frames are not in this format
     */
    static Message decode(List<byte[]> frames, int offset) {
        if (frames.size() - offset != 2) {
            throw new IllegalArgumentException("expected " + (offset + 2) + " frames, got " + frames.size());
        }
        return MessageMetadata.decode(frames.get(offset), frames.get(offset + 1));
    }
}
