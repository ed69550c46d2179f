package io.sluice.transport.resp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisEncoder;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/**
 * Reply encoding ({@link RespReply}, byte for byte what Netty's {@code RedisEncoder} writes) and the
 * one-buffer-per-read-batch writing of both endpoints ({@link WorkerConnection}, {@link ReplyWriter})
 * in a real Netty {@link EmbeddedChannel} behind {@link RespRequestDecoder}.
 */
class RespBatchTest {

    private static String encodedByNetty(RedisMessage m) {
        EmbeddedChannel ch = new EmbeddedChannel(new RedisEncoder());
        ch.writeOutbound(m);
        return text(drain(ch));
    }

    private static String encoded(RespReply r) {
        ByteBuf b = Unpooled.buffer();
        r.writeTo(b);
        String s = b.toString(StandardCharsets.ISO_8859_1);
        b.release();
        assertThat(s.length()).isEqualTo(r.length());
        return s;
    }

    /** Every outbound buffer's bytes (released), in order. */
    private static List<byte[]> drain(EmbeddedChannel ch) {
        List<byte[]> out = new ArrayList<>();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            out.add(ByteBufUtil.getBytes(b));
            b.release();
        }
        return out;
    }

    private static String text(List<byte[]> writes) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        writes.forEach(all::writeBytes);
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void repliesAreEncodedAsNettysRedisEncoderEncodesThem() {
        assertThat(encoded(RespReply.OK)).isEqualTo(encodedByNetty(new SimpleStringRedisMessage("OK"))).isEqualTo("+OK\r\n");
        assertThat(encoded(RespReply.PONG)).isEqualTo(encodedByNetty(new SimpleStringRedisMessage("PONG")));
        assertThat(encoded(RespReply.NIL)).isEqualTo(encodedByNetty(FullBulkStringRedisMessage.NULL_INSTANCE));
        assertThat(encoded(RespReply.EMPTY_ARRAY)).isEqualTo(encodedByNetty(ArrayRedisMessage.EMPTY_INSTANCE));
        assertThat(encoded(RespReply.error("unknown command 'X'")))
                .isEqualTo(encodedByNetty(new ErrorRedisMessage("ERR unknown command 'X'")));
        for (long v : new long[] {0, -1, 42, Long.MIN_VALUE, Long.MAX_VALUE}) {
            assertThat(encoded(RespReply.integer(v))).isEqualTo(encodedByNetty(new IntegerRedisMessage(v)));
        }
        byte[] binary = {0, (byte) 0xff, '\r', '\n', '$'};
        assertThat(encoded(RespReply.bulk(binary)))
                .isEqualTo(encodedByNetty(new FullBulkStringRedisMessage(Unpooled.wrappedBuffer(binary))));
        assertThat(encoded(RespReply.bulk(new byte[0]))).isEqualTo("$0\r\n\r\n");
    }

    @Test
    void anErrorQuotingCrOrLfStaysOneLine() {
        assertThat(encoded(RespReply.error("unknown command 'A\r\n+OK'"))).isEqualTo("-ERR unknown command 'A  +OK'\r\n");
    }

    @Test
    void aBulkWrittenFromTextIsTheBulkOfItsUtf8Bytes() {
        for (String s : List.of("", "item:1", "x".repeat(300), "é€😀", "lone \ud800 surrogate", "\udc00")) {
            ByteBuf b = Unpooled.buffer();
            RespReply.writeBulk(b, s);
            assertThat(b.toString(StandardCharsets.ISO_8859_1)).as(s).isEqualTo(encoded(RespReply.bulk(s)));
            b.release();
        }
        ByteBuf nil = Unpooled.buffer();
        RespReply.writeBulk(nil, null);
        assertThat(nil.toString(StandardCharsets.US_ASCII)).isEqualTo("$-1\r\n");
        nil.release();
    }

    private static EmbeddedChannel worker(Backlog backlog) {
        WorkerCommands.Snapshotter none = new WorkerCommands.Snapshotter() {
            @Override
            public void snapshotNow() {
                throw new IllegalStateException("no snapshot path is configured");
            }

            @Override
            public List<String[]> info() {
                return List.of();
            }
        };
        WorkerCommands commands = new WorkerCommands(backlog, none, Schedulers.parallel(), n -> { });
        return new EmbeddedChannel(new RespRequestDecoder(1024, 8), new WorkerConnection(commands));
    }

    private static Backlog backlog(int items) {
        Backlog b = new Backlog(10_000, n -> { });
        for (int i = 0; i < items; i++) {
            b.offer("item:" + i, i);
        }
        return b;
    }

    @Test
    void aPipelinedBatchOfNextIsAnsweredWithOneWrite() {
        EmbeddedChannel ch = worker(backlog(16));
        ch.writeInbound(Unpooled.wrappedBuffer("*1\r\n$4\r\nNEXT\r\n".repeat(16).getBytes(StandardCharsets.US_ASCII)));
        List<byte[]> writes = drain(ch);
        assertThat(writes).hasSize(1);
        StringBuilder expected = new StringBuilder();
        for (int i = 15; i >= 0; i--) {
            String item = "item:" + i;
            expected.append('$').append(item.length()).append("\r\n").append(item).append("\r\n");
        }
        assertThat(text(writes)).isEqualTo(expected.toString());
        // empty now: nil, and the other commands in the same batch, still one write
        ch.writeInbound(Unpooled.wrappedBuffer("NEXT\r\nPING\r\nPEEK item:1\r\nFOO\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(drain(ch)).extracting(w -> new String(w, StandardCharsets.US_ASCII))
                .containsExactly("$-1\r\n+PONG\r\n$-1\r\n-ERR unknown command 'FOO'\r\n");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void oneCommandPerReadIsOneWritePerReply() {
        EmbeddedChannel ch = worker(backlog(3));
        for (int i = 0; i < 4; i++) {
            ch.writeInbound(Unpooled.wrappedBuffer("NEXT\r\n".getBytes(StandardCharsets.US_ASCII)));
        }
        assertThat(drain(ch)).extracting(w -> new String(w, StandardCharsets.US_ASCII))
                .containsExactly("$6\r\nitem:2\r\n", "$6\r\nitem:1\r\n", "$6\r\nitem:0\r\n", "$-1\r\n");
        ch.finishAndReleaseAll();
    }

    @Test
    void aLongBatchIsWrittenInBoundedBuffersInOrder() {
        int n = 5000;
        EmbeddedChannel ch = worker(backlog(n));
        ch.writeInbound(Unpooled.wrappedBuffer("NEXT\r\n".repeat(n).getBytes(StandardCharsets.US_ASCII)));
        List<byte[]> writes = drain(ch);
        assertThat(writes.size()).isGreaterThan(1);
        assertThat(writes).allSatisfy(w -> assertThat(w.length).isLessThan(WorkerConnection.MAX_BATCH_BYTES + 64));
        StringBuilder expected = new StringBuilder();
        for (int i = n - 1; i >= 0; i--) {
            String item = "item:" + i;
            expected.append('$').append(item.length()).append("\r\n").append(item).append("\r\n");
        }
        assertThat(text(writes)).isEqualTo(expected.toString());
        ch.finishAndReleaseAll();
    }

    /** A source connection whose commands are answered +OK (UPDATE), as a bulk (ECHO x) or -ERR. */
    private static EmbeddedChannel source() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ReplyWriter replies = new ReplyWriter(ch, 1 << 20);
        ch.pipeline().addLast(new RespRequestDecoder(1024, 8), replies, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                RespCommand c = (RespCommand) msg;
                replies.reply(switch (c.name()) {
                    case "UPDATE" -> RespReply.OK;
                    case "ECHO" -> RespReply.bulk(c.args().get(0));
                    default -> RespReply.error("unknown command '" + c.name() + "'");
                });
            }
        });
        return ch;
    }

    @Test
    void aReadBatchOfOneConstantReplyWritesTheSharedBufferAndLeavesItIntact() {
        EmbeddedChannel ch = source();
        for (int i = 0; i < 1000; i++) {
            ch.writeInbound(Unpooled.wrappedBuffer("UPDATE a 1\r\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuf w = ch.readOutbound();
            assertThat(w.toString(StandardCharsets.US_ASCII)).isEqualTo("+OK\r\n");
            // the process-wide +OK, not a buffer allocated for this batch
            assertThat(w.isDirect()).isTrue();
            assertThat(w.memoryAddress()).isEqualTo(RespReply.OK.sharedView().memoryAddress());
            w.release();
            assertThat((Object) ch.readOutbound()).isNull();
        }
        ByteBuf shared = RespReply.OK.sharedView();
        assertThat(shared.toString(StandardCharsets.US_ASCII)).isEqualTo("+OK\r\n");
        assertThat(shared.refCnt()).isEqualTo(1);
        assertThat(RespReply.bulk("x").isShared()).isFalse();
        assertThat(RespReply.error("x").isShared()).isFalse();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aConstantReplyFollowedByOthersInItsBatchIsWrittenFirstInTheBatchBuffer() {
        EmbeddedChannel ch = source();
        ch.writeInbound(Unpooled.wrappedBuffer("UPDATE a 1\r\nECHO x\r\nUPDATE b 2\r\nUPDATE c 3\r\nFOO\r\n"
                .getBytes(StandardCharsets.US_ASCII)));
        assertThat(drain(ch)).extracting(w -> new String(w, StandardCharsets.US_ASCII))
                .containsExactly("+OK\r\n$1\r\nx\r\n+OK\r\n+OK\r\n-ERR unknown command 'FOO'\r\n");
        ch.writeInbound(Unpooled.wrappedBuffer("UPDATE a 1\r\nUPDATE b 2\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(drain(ch)).extracting(w -> new String(w, StandardCharsets.US_ASCII)).containsExactly("+OK\r\n+OK\r\n");
        ch.writeInbound(Unpooled.wrappedBuffer("ECHO y\r\nUPDATE a 1\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(drain(ch)).extracting(w -> new String(w, StandardCharsets.US_ASCII)).containsExactly("$1\r\ny\r\n+OK\r\n");
        // a reply made outside a read batch (the pipeline's demand came later) is written at once
        ch.writeInbound(Unpooled.wrappedBuffer("UPDATE a 1\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(drain(ch)).hasSize(1);
        ch.pipeline().get(ReplyWriter.class).reply(RespReply.OK);
        assertThat(drain(ch)).extracting(w -> new String(w, StandardCharsets.US_ASCII)).containsExactly("+OK\r\n");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void theSourcesRepliesOfOneReadBatchAreOneWriteAndAProtocolErrorComesAfterThem() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ReplyWriter replies = new ReplyWriter(ch, 1 << 20);
        List<String> refused = new ArrayList<>();
        ch.attr(io.netty.util.AttributeKey.<java.util.function.Consumer<String>>valueOf(RespCodec.class, "onProtocolError"))
                .set(refused::add);
        ch.pipeline().addLast(new RespRequestDecoder(1024, 8), replies, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                RespCommand c = (RespCommand) msg;
                if (c.protocolError() != null) {
                    RespCodec.refuse(ctx.channel(), c.protocolError());
                } else {
                    replies.reply(c.name().equals("UPDATE") ? RespReply.OK : RespReply.error("unknown command '" + c.name() + "'"));
                }
            }
        });
        ch.writeInbound(Unpooled.wrappedBuffer("*3\r\n$6\r\nUPDATE\r\n$1\r\na\r\n$1\r\n5\r\n".repeat(16)
                .getBytes(StandardCharsets.US_ASCII)));
        assertThat(drain(ch)).extracting(w -> new String(w, StandardCharsets.US_ASCII)).containsExactly("+OK\r\n".repeat(16));

        ch.writeInbound(Unpooled.wrappedBuffer("UPDATE a 1\r\nX\r\n*1\r\n:1\r\nUPDATE b 2\r\n".getBytes(StandardCharsets.US_ASCII)));
        ch.runPendingTasks();
        assertThat(text(drain(ch))).isEqualTo("+OK\r\n-ERR unknown command 'X'\r\n"
                + "-ERR Protocol error: expected an array of bulk strings, got an integer (':')\r\n");
        assertThat(refused).containsExactly("expected an array of bulk strings, got an integer (':')");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }
}
