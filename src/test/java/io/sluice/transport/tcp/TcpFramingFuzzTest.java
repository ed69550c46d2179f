package io.sluice.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import org.junit.jupiter.api.Test;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes the TCP source's frame decoders ({@link Framing#decoder(int)}) in an {@link EmbeddedChannel},
 * the bytes arriving in fuzzer-chosen chunks (as TCP segments do), then the end of stream. Each run
 * compares the decoder with a plain model of the framing {@link Framing} documents: the frames emitted
 * must be exactly the model's, whatever the chunking; the only rejection is a
 * {@link TooLongFrameException} for a frame (or length prefix) over the maximum, and then the frames
 * emitted before it must be the model's first ones. Every emitted buffer is released (the fuzz JVM runs
 * with Netty's paranoid leak detection). Corpus: {@code TcpFramingFuzzTestInputs/<method>/}.
 */
class TcpFramingFuzzTest {

    private static final int MAX_CHUNK = 64;

    @FuzzTest(maxDuration = "10s")
    void newline(FuzzedDataProvider data) {
        boolean emitLast = data.consumeBoolean();
        int max = data.consumeInt(1, 64);
        List<byte[]> chunks = chunks(data);
        byte[] all = concat(chunks);
        Model expected = newlineModel(all, max, emitLast);
        check(emitLast ? Framing.newline() : Framing.newlineDiscardingLastLine(), max, chunks, expected);
    }

    @FuzzTest(maxDuration = "10s")
    void lengthPrefixed(FuzzedDataProvider data) {
        int max = data.consumeInt(0, 64);
        List<byte[]> chunks = chunks(data);
        byte[] all = concat(chunks);
        check(Framing.lengthPrefixed(), max, chunks, lengthModel(all, max));
    }

    /** A line of exactly the maximum, its "\r\n" split between two reads: accepted like the unsplit line. */
    @Test
    void lineOfTheMaximumSplitAfterItsCr() {
        List<byte[]> chunks = List.of("abc\r".getBytes(StandardCharsets.US_ASCII), "\n".getBytes(StandardCharsets.US_ASCII));
        check(Framing.newline(), 3, chunks, newlineModel(concat(chunks), 3, true));
    }

    /** What the framing's documentation says the bytes are: frames, then a rejection or an end-of-stream remainder. */
    private record Model(List<byte[]> frames, boolean rejected, byte[] lastLine, int partial) {
    }

    /**
     * Feeds the chunks as separate reads and collects what the decoder emits: {@link Frames} batches
     * of {@code byte[]} frames ended perhaps by a {@link FrameDecoders.TooLong} or
     * {@link FrameDecoders.PartialFrame} marker (both framings; {@code ByteBuf} frames and a thrown
     * {@link TooLongFrameException} are accepted too, as Netty's own decoders give them); then compares
     * with the model.
     */
    private static void check(Framing framing, int max, List<byte[]> chunks, Model model) {
        EmbeddedChannel ch = new EmbeddedChannel(framing.decoder(max));
        Seen seen = new Seen();
        try {
            for (byte[] c : chunks) {
                ch.writeInbound(Unpooled.wrappedBuffer(c));
                drain(ch, seen, false);
                if (seen.rejected) {
                    break; // the source closes the connection here
                }
            }
            if (!seen.rejected) {
                ch.finish();
                drain(ch, seen, true);
            }
        } catch (TooLongFrameException documented) {
            drain(ch, seen, false); // the frames decoded before the oversized one
            seen.rejected = true;
        }
        try {
            ch.finishAndReleaseAll();
        } catch (TooLongFrameException again) {
            // the decoder reports the frame it is discarding once more at end of stream
        }
        assertThat(seen.rejected).as("rejected (a frame over %d bytes)", max).isEqualTo(model.rejected());
        List<byte[]> frames = seen.frames;
        if (seen.rejected) {
            // every frame before the oversized one arrives intact; Netty may go on decoding the frames
            // after the discarded one that were in the same read, before the connection is closed
            assertThat(frames.size()).isGreaterThanOrEqualTo(model.frames().size());
            for (int i = 0; i < model.frames().size(); i++) {
                assertThat(frames.get(i)).as("frame %d", i).isEqualTo(model.frames().get(i));
            }
            return;
        }
        byte[] lastLine = null;
        if (model.lastLine() != null && seen.atEnd > 0) {
            lastLine = frames.remove(frames.size() - 1); // the end of stream emits the unterminated line last
        }
        assertThat(frames).as("frames").usingElementComparator(Arrays::compare).containsExactlyElementsOf(model.frames());
        assertThat(lastLine).as("unterminated last line").isEqualTo(model.lastLine());
        assertThat(seen.partial).as("bytes of a partial frame at end of stream").isEqualTo(model.partial());
    }

    /** What the decoder emitted so far. */
    private static final class Seen {
        final List<byte[]> frames = new ArrayList<>();
        boolean rejected;
        int partial;
        /** Frames emitted at end of stream. */
        int atEnd;
    }

    private static void drain(EmbeddedChannel ch, Seen seen, boolean atEnd) {
        Object o;
        while ((o = ch.readInbound()) != null) {
            if (o instanceof Frames batch) {
                for (Object item : batch) {
                    take(item, seen, atEnd);
                }
            } else {
                take(o, seen, atEnd);
            }
        }
    }

    private static void take(Object item, Seen seen, boolean atEnd) {
        if (seen.rejected) {
            if (item instanceof ByteBuf b) {
                b.release();
            }
            return;
        }
        if (item instanceof FrameDecoders.TooLong) {
            seen.rejected = true;
        } else if (item instanceof FrameDecoders.PartialFrame p) {
            assertThat(p.pendingBytes()).isPositive();
            seen.partial = p.pendingBytes();
        } else if (item instanceof byte[] line) {
            seen.frames.add(line);
            seen.atEnd += atEnd ? 1 : 0;
        } else {
            assertThat(item).isInstanceOf(ByteBuf.class);
            ByteBuf b = (ByteBuf) item;
            try {
                seen.frames.add(ByteBufUtil.getBytes(b));
                seen.atEnd += atEnd ? 1 : 0;
            } finally {
                b.release();
            }
        }
    }

    /** Newline framing as documented: '\n' ends a frame, one '\r' before it is stripped; longer than max: rejected. */
    static Model newlineModel(byte[] all, int max, boolean emitLast) {
        List<byte[]> frames = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == '\n') {
                int end = i > start && all[i - 1] == '\r' ? i - 1 : i;
                if (end - start > max) {
                    return new Model(frames, true, null, 0);
                }
                frames.add(Arrays.copyOfRange(all, start, end));
                start = i + 1;
            }
        }
        int rest = all.length - start;
        if (rest > max) {
            return new Model(frames, true, null, 0);
        }
        if (rest == 0) {
            return new Model(frames, false, null, 0);
        }
        return emitLast ? new Model(frames, false, Arrays.copyOfRange(all, start, all.length), 0)
                : new Model(frames, false, null, rest);
    }

    /** Length-prefixed framing as documented: 4-byte big-endian unsigned length, then that many bytes. */
    static Model lengthModel(byte[] all, int max) {
        List<byte[]> frames = new ArrayList<>();
        int at = 0;
        while (all.length - at >= 4) {
            long len = ((all[at] & 0xffL) << 24) | ((all[at + 1] & 0xff) << 16) | ((all[at + 2] & 0xff) << 8) | (all[at + 3] & 0xff);
            if (len > max) {
                return new Model(frames, true, null, 0);
            }
            if (all.length - at - 4 < len) {
                break;
            }
            frames.add(Arrays.copyOfRange(all, at + 4, at + 4 + (int) len));
            at += 4 + (int) len;
        }
        return new Model(frames, false, null, all.length - at);
    }

    private static List<byte[]> chunks(FuzzedDataProvider data) {
        List<byte[]> chunks = new ArrayList<>();
        while (data.remainingBytes() > 0) {
            int n = data.consumeInt(1, MAX_CHUNK);
            byte[] c = data.consumeBytes(n);
            if (c.length > 0) {
                chunks.add(c);
            }
        }
        return chunks;
    }

    private static byte[] concat(List<byte[]> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        chunks.forEach(out::writeBytes);
        return out.toByteArray();
    }
}
