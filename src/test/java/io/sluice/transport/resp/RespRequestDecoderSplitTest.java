package io.sluice.transport.resp;

import static io.sluice.transport.resp.RespRequestDecoderTest.bytes;
import static io.sluice.transport.resp.RespRequestDecoderTest.decode;
import static io.sluice.transport.resp.RespRequestDecoderTest.shown;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link RespRequestDecoder} on requests split across reads: at every byte, byte by byte, in random
 * chunks; and, on random pipelined batches, the same arguments as Netty's own Redis codec
 * ({@code RedisDecoder} + {@code RedisBulkStringAggregator} + {@code RedisArrayAggregator}, which the
 * endpoints used before) decodes from the same bytes.
 */
class RespRequestDecoderSplitTest {

    /** Requests of every form: binary bulk strings holding CRLF and '*', empty ones, inline, empty requests. */
    private static final byte[] MIXED = RespRequestDecoderTest.concat(
            bytes("*3\r\n$6\r\nUPDATE\r\n$8\r\na\r\n*$\r\nb\r\n$2\r\n10\r\n"),
            bytes("PING\r\n"),
            bytes("*0\r\n"),
            bytes("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"),
            bytes("update  x \t 5\n"),
            bytes("*1\r\n$4\r\nNEXT\r\n"));

    private static List<String> decodeSplit(byte[] input, int... cuts) {
        List<byte[]> chunks = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            chunks.add(Arrays.copyOfRange(input, from, cut));
            from = cut;
        }
        chunks.add(Arrays.copyOfRange(input, from, input.length));
        return shown(decode(RespRequestDecoderTest.MAX_BULK, RespRequestDecoderTest.MAX_ARGS, chunks.toArray(byte[][]::new)));
    }

    @Test
    void aBatchSplitAtEveryByteDecodesTheSame() {
        List<String> whole = decodeSplit(MIXED);
        assertThat(whole).containsExactly("UPDATE a\r\n*$\r\nb 10", "PING", "", "ECHO ", "UPDATE x 5", "NEXT");
        for (int i = 0; i <= MIXED.length; i++) {
            assertThat(decodeSplit(MIXED, i)).as("split at byte %d", i).isEqualTo(whole);
        }
        for (int i = 0; i <= MIXED.length; i++) {
            for (int j = i; j <= MIXED.length; j += 7) {
                assertThat(decodeSplit(MIXED, i, j)).as("split at bytes %d and %d", i, j).isEqualTo(whole);
            }
        }
    }

    @Test
    void aBatchFedByteByByteDecodesTheSame() {
        int[] cuts = new int[MIXED.length - 1];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        assertThat(decodeSplit(MIXED, cuts)).isEqualTo(decodeSplit(MIXED));
    }

    @Test
    void malformedInputSplitAtEveryByteGivesTheSameCommandsAndError() {
        for (String bad : List.of("*1\r\n:5\r\n", "*1\r\n$-1\r\n", "*2\r\n$4\r\nECHO\r\n$3\r\nabcd\r\n",
                "*1\r\n$1073741824\r\n", "*9\r\n", "*1\rx")) {
            byte[] input = RespRequestDecoderTest.concat(bytes("*1\r\n$4\r\nPING\r\n"), bytes(bad), bytes("PING\r\n"));
            List<String> whole = decodeSplit(input);
            assertThat(whole).as(bad).hasSize(2).first().isEqualTo("PING");
            assertThat(whole.get(1)).as(bad).startsWith("!");
            for (int i = 0; i <= input.length; i++) {
                assertThat(decodeSplit(input, i)).as("%s split at byte %d", bad, i).isEqualTo(whole);
            }
        }
    }

    @Test
    void aHugeBulkLengthIsRefusedAsSoonAsItsHeaderIsCompleteWhereverTheReadsEnd() {
        byte[] header = bytes("*3\r\n$6\r\nUPDATE\r\n$1073741824\r\n");
        for (int i = 1; i < header.length; i++) {
            // everything up to byte i: nothing decoded yet, unless the header is complete
            List<String> partial = decodeSplit(Arrays.copyOf(header, i));
            assertThat(partial).as("first %d bytes", i).isEmpty();
        }
        assertThat(decodeSplit(header)).containsExactly("!invalid bulk length 1073741824 (limit 1024 bytes)");
    }

    @Test
    void randomPipelinedBatchesInRandomChunksDecodeAsNettysRedisCodecDoes() {
        Random random = new Random(16);
        for (int round = 0; round < 200; round++) {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            List<List<byte[]>> requests = new ArrayList<>();
            int n = 1 + random.nextInt(20);
            for (int r = 0; r < n; r++) {
                List<byte[]> words = new ArrayList<>();
                int args = 1 + random.nextInt(RespRequestDecoderTest.MAX_ARGS);
                batch.writeBytes(bytes("*" + args + "\r\n"));
                for (int a = 0; a < args; a++) {
                    byte[] w = new byte[random.nextInt(random.nextBoolean() ? 4 : 300)];
                    random.nextBytes(w);
                    words.add(w);
                    batch.writeBytes(bytes("$" + w.length + "\r\n"));
                    batch.writeBytes(w);
                    batch.writeBytes(bytes("\r\n"));
                }
                requests.add(words);
            }
            byte[] input = batch.toByteArray();
            List<List<byte[]>> netty = withNettysCodec(input);
            assertThat(netty).as("Netty's codec, round %d", round).hasSize(requests.size());

            List<byte[]> chunks = new ArrayList<>();
            for (int at = 0; at < input.length; ) {
                int len = Math.min(input.length - at, 1 + random.nextInt(random.nextBoolean() ? 5 : 600));
                chunks.add(Arrays.copyOfRange(input, at, at + len));
                at += len;
            }
            List<RespCommand> ours = decode(RespRequestDecoderTest.MAX_BULK, RespRequestDecoderTest.MAX_ARGS,
                    chunks.toArray(byte[][]::new));
            assertThat(ours).as("round %d", round).hasSize(requests.size());
            for (int r = 0; r < ours.size(); r++) {
                RespCommand c = ours.get(r);
                assertThat(c.protocolError()).isNull();
                List<byte[]> nettyArgs = netty.get(r);
                // the name is upper-cased (ASCII letters) by us; the arguments are byte for byte Netty's
                assertThat(c.name()).isEqualTo(new String(nettyArgs.get(0), StandardCharsets.UTF_8)
                        .toUpperCase(java.util.Locale.ROOT));
                assertThat(c.args()).as("round %d request %d", round, r).hasSameSizeAs(nettyArgs.subList(1, nettyArgs.size()));
                for (int a = 0; a < c.arity(); a++) {
                    assertThat(c.args().get(a)).isEqualTo(nettyArgs.get(a + 1)).isEqualTo(requests.get(r).get(a + 1));
                }
            }
        }
    }

    /** Decodes with Netty's Redis codec: each array's bulk strings as bytes. */
    private static List<List<byte[]>> withNettysCodec(byte[] input) {
        EmbeddedChannel ch = new EmbeddedChannel(new RedisDecoder(false), new RedisBulkStringAggregator(),
                new RedisArrayAggregator());
        ch.writeInbound(Unpooled.wrappedBuffer(input));
        List<List<byte[]>> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) {
            try {
                List<byte[]> words = new ArrayList<>();
                for (RedisMessage child : ((ArrayRedisMessage) o).children()) {
                    words.add(ByteBufUtil.getBytes(((FullBulkStringRedisMessage) child).content()));
                }
                out.add(words);
            } finally {
                ReferenceCountUtil.release(o);
            }
        }
        ch.finishAndReleaseAll();
        return out;
    }
}
