package io.sluice.transport.resp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link RespRequestDecoder} in a real Netty {@link EmbeddedChannel}: request forms, pipelined
 * batches, limits and malformed input (a protocol error after the commands before it, then nothing).
 * Partial frames and the comparison with Netty's Redis codec: {@link RespRequestDecoderSplitTest}.
 */
class RespRequestDecoderTest {

    static final int MAX_BULK = 1024;
    static final int MAX_ARGS = 8;

    /** Feeds each chunk as one read and returns every command decoded; the channel is closed. */
    static List<RespCommand> decode(int maxBulk, int maxArgs, byte[]... chunks) {
        EmbeddedChannel ch = new EmbeddedChannel(new RespRequestDecoder(maxBulk, maxArgs));
        for (byte[] c : chunks) {
            ch.writeInbound(Unpooled.wrappedBuffer(c));
        }
        List<RespCommand> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) {
            out.add((RespCommand) o);
        }
        ch.finishAndReleaseAll();
        return out;
    }

    static List<RespCommand> decode(String... chunks) {
        return decode(MAX_BULK, MAX_ARGS, Arrays.stream(chunks).map(RespRequestDecoderTest::bytes).toArray(byte[][]::new));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A command as "NAME arg arg" (arguments as ISO-8859-1), or "!reason" for a protocol error. */
    static String show(RespCommand c) {
        if (c.protocolError() != null) {
            return "!" + c.protocolError();
        }
        StringBuilder sb = new StringBuilder(c.name());
        for (byte[] a : c.args()) {
            sb.append(' ').append(new String(a, StandardCharsets.ISO_8859_1));
        }
        return sb.toString();
    }

    static List<String> shown(List<RespCommand> commands) {
        return commands.stream().map(RespRequestDecoderTest::show).toList();
    }

    @Test
    void anArrayOfBulkStringsIsOneCommandWithItsNameInUpperCase() {
        List<RespCommand> c = decode("*3\r\n$6\r\nupdate\r\n$4\r\nitem\r\n$2\r\n10\r\n");
        assertThat(shown(c)).containsExactly("UPDATE item 10");
        assertThat(c.get(0).name()).isSameAs("UPDATE"); // a known name is its constant, no new string
        assertThat(c.get(0).integer(1)).isEqualTo(10);
        assertThat(shown(decode("*1\r\n$8\r\nflushAll\r\n"))).containsExactly("FLUSHALL");
    }

    @Test
    void bulkStringsAreBinarySafe() {
        byte[] arg = {'a', '\r', '\n', 0, (byte) 0xff, '*', '$'};
        byte[] req = concat(bytes("*2\r\n$4\r\nECHO\r\n$7\r\n"), arg, bytes("\r\n"));
        List<RespCommand> c = decode(MAX_BULK, MAX_ARGS, req);
        assertThat(c).hasSize(1);
        assertThat(c.get(0).args().get(0)).isEqualTo(arg);
        assertThat(shown(decode("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"))).containsExactly("ECHO ");
    }

    @Test
    void aPipelinedBatchInOneReadGivesEveryCommandInOrder() {
        StringBuilder batch = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String item = "item:" + i;
            batch.append("*3\r\n$6\r\nUPDATE\r\n$").append(item.length()).append("\r\n").append(item)
                    .append("\r\n$1\r\n5\r\n");
            expected.add("UPDATE " + item + " 5");
            batch.append("*1\r\n$4\r\nNEXT\r\n");
            expected.add("NEXT");
            if (i % 10 == 0) {
                batch.append("PING\r\n"); // inline commands mixed in
                expected.add("PING");
            }
        }
        assertThat(shown(decode(batch.toString()))).containsExactlyElementsOf(expected);
    }

    @Test
    void inlineCommandsAreSplitAtSpacesAndTabs() {
        assertThat(shown(decode("UPDATE a 5\r\n", "ping\n", "  NEXT \t\r\n", "update  b\t7\n")))
                .containsExactly("UPDATE a 5", "PING", "NEXT", "UPDATE b 7");
    }

    @Test
    void emptyRequestsAreIgnoredAndTheFollowingOnesDecoded() {
        // *0, *-1 and an empty line are requests with no words: Redis skips them
        assertThat(shown(decode("*0\r\n*-1\r\n\r\n\n*1\r\n$4\r\nPING\r\n"))).containsExactly("", "", "", "", "PING");
    }

    @Test
    void aBulkLengthOverTheLimitIsRefusedWhenItsHeaderArrives() {
        // no byte of the 1 GiB body has arrived: the header alone is refused
        assertThat(shown(decode("*3\r\n$6\r\nUPDATE\r\n$1073741824\r\n")))
                .containsExactly("!invalid bulk length 1073741824 (limit 1024 bytes)");
        assertThat(shown(decode("*2\r\n$4\r\nECHO\r\n$1025\r\n"))).containsExactly("!invalid bulk length 1025 (limit 1024 bytes)");
        // exactly the limit is fine
        String max = "x".repeat(MAX_BULK);
        assertThat(decode("*2\r\n$4\r\nECHO\r\n$1024\r\n" + max + "\r\n")).extracting(c -> c.args().get(0).length)
                .containsExactly(MAX_BULK);
    }

    @Test
    void hugeBulkLengthsNearIntAndLongLimitsAreHandled() {
        // a limit of Integer.MAX_VALUE: a length of 2^31 - 1 waits for its body (no int overflow on + 2),
        // 2^31 is over the limit, a number over a long is invalid
        assertThat(decode(Integer.MAX_VALUE, MAX_ARGS, bytes("*2\r\n$4\r\nECHO\r\n$2147483647\r\nabc"))).isEmpty();
        assertThat(shown(decode(Integer.MAX_VALUE, MAX_ARGS, bytes("*2\r\n$4\r\nECHO\r\n$2147483648\r\n"))))
                .containsExactly("!invalid bulk length 2147483648 (limit 2147483647 bytes)");
        assertThat(shown(decode("*1\r\n$99999999999999999999\r\n")))
                .containsExactly("!invalid bulk length '99999999999999999999'");
        assertThat(shown(decode("*9223372036854775807\r\n")))
                .containsExactly("!invalid multibulk length 9223372036854775807 (limit 8 arguments)");
    }

    @Test
    void moreArgumentsThanTheLimitAreRefusedWhenTheArrayHeaderArrives() {
        assertThat(shown(decode("*9\r\n"))).containsExactly("!invalid multibulk length 9 (limit 8 arguments)");
        assertThat(decode("*8\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n$1\r\nh\r\n"))
                .extracting(RespCommand::arity).containsExactly(7);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "an integer element | *1\\r\\n:5\\r\\n | expected an array of bulk strings, got an integer (':')",
        "a nested array | *2\\r\\n$4\\r\\nPING\\r\\n*1\\r\\n$1\\r\\nx\\r\\n | expected an array of bulk strings, got an array ('*')",
        "a simple string request | +OK\\r\\n | expected an array of bulk strings, got a simple string ('+')",
        "an error request | -ERR x\\r\\n | expected an array of bulk strings, got an error ('-')",
        "a bare bulk string | $4\\r\\nPING\\r\\n | expected an array of bulk strings, got '$'",
        "a null bulk string | *1\\r\\n$-1\\r\\n | invalid bulk length -1",
        "a letter as count | *x\\r\\n | invalid multibulk length 'x'",
        "a letter as length | *1\\r\\n$x\\r\\n | invalid bulk length 'x'",
        "no digits | *1\\r\\n$\\r\\n | invalid bulk length (no digits)",
        "a lone minus | *-\\r\\n | invalid multibulk length (no digits)",
        "a space in the count | *1 \\r\\n | invalid multibulk length '1 '",
        "CR without LF | *1\\rx | invalid multibulk length (no LF after CR)",
        "a body longer than its length | *1\\r\\n$3\\r\\nabcd\\r\\n | expected CRLF after a bulk string of 3 bytes",
        "a control byte element | *1\\r\\n\\u0001 | expected an array of bulk strings, got byte 0x01",
    })
    void malformedInputIsAProtocolErrorWithAReason(String what, String input, String reason) {
        String in = unescape(input);
        assertThat(shown(decode(in))).as(what).containsExactly("!" + reason);
        // the commands before it are decoded first, and nothing after it (not even valid commands)
        assertThat(shown(decode("PING\r\n" + in + "*1\r\n$4\r\nPING\r\n", "*1\r\n$4\r\nNEXT\r\n")))
                .as(what).containsExactly("PING", "!" + reason);
    }

    @Test
    void overlongHeaderAndInlineLinesAreRefusedWithoutWaitingForTheirEnd() {
        String digits = "1".repeat(RespRequestDecoder.MAX_HEADER_LINE + 1);
        assertThat(shown(decode("*" + digits))).containsExactly("!invalid multibulk length (line over 32 bytes)");
        assertThat(shown(decode("*1\r\n$" + digits))).containsExactly("!invalid bulk length (line over 32 bytes)");
        // a line of exactly the limit, incomplete: waits
        assertThat(decode("*1\r\n$" + "1".repeat(RespRequestDecoder.MAX_HEADER_LINE))).isEmpty();
        String line = "x".repeat(RespRequestDecoder.MAX_INLINE_LINE);
        assertThat(decode(line)).isEmpty();
        assertThat(shown(decode(line + "x"))).containsExactly("!too big inline request (over 65536 bytes)");
        assertThat(decode(line + "\n")).extracting(c -> c.name().length()).containsExactly(RespRequestDecoder.MAX_INLINE_LINE);
    }

    @Test
    void inputAfterAProtocolErrorIsDiscardedAndReleased() {
        EmbeddedChannel ch = new EmbeddedChannel(new RespRequestDecoder(MAX_BULK, MAX_ARGS));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes("*1\r\n:1\r\n")));
        assertThat(show(ch.readInbound())).startsWith("!expected an array");
        for (int i = 0; i < 100; i++) {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes("*1\r\n$4\r\nPING\r\n")));
        }
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void anIncompleteRequestAtTheEndOfTheConnectionIsDropped() {
        EmbeddedChannel ch = new EmbeddedChannel(new RespRequestDecoder(MAX_BULK, MAX_ARGS));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$5\r\nab")));
        assertThat(show(ch.readInbound())).isEqualTo("PING");
        ch.finish();
        assertThat((Object) ch.readInbound()).isNull();
    }

    static String unescape(String s) {
        return s.replace("\\r", "\r").replace("\\n", "\n").replace("\\u0001", "\u0001");
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
