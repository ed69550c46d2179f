package io.sluice.transport.resp;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.InlineCommandRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One decoded client command: its name (upper case) and its arguments as bytes, copied out of the
 * Netty buffers so the decoded message can be released at once. A request that is not a command
 * (not an array of bulk strings, a null element) is a {@link #protocolError}: the caller answers
 * {@code -ERR Protocol error} and closes the connection, as Redis does.
 *
 * @param name command name in upper case, empty for an empty request (ignored, as Redis does)
 * @param args the arguments after the name
 * @param protocolError null, or why the request is not a command
 */
record RespCommand(String name, List<byte[]> args, String protocolError) {

    /**
     * @param m a message from {@code RedisArrayAggregator}: an array of bulk strings, or an inline
     *     command ({@code PING}, {@code UPDATE a 5} typed into {@code nc})
     * @return the command; the caller still releases {@code m}
     */
    static RespCommand of(RedisMessage m) {
        List<byte[]> parts = new ArrayList<>();
        if (m instanceof InlineCommandRedisMessage inline) {
            for (String s : inline.content().trim().split("\\s+")) {
                if (!s.isEmpty()) {
                    parts.add(s.getBytes(StandardCharsets.UTF_8));
                }
            }
        } else if (m instanceof ArrayRedisMessage array && !array.isNull()) {
            for (RedisMessage child : array.children()) {
                if (!(child instanceof FullBulkStringRedisMessage bulk) || bulk.isNull()) {
                    return error("expected an array of bulk strings, got " + describe(child));
                }
                parts.add(ByteBufUtil.getBytes(bulk.content()));
            }
        } else {
            return error("expected an array of bulk strings, got " + describe(m));
        }
        if (parts.isEmpty()) {
            return new RespCommand("", List.of(), null);
        }
        String name = new String(parts.get(0), StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
        return new RespCommand(name, parts.subList(1, parts.size()), null);
    }

    private static RespCommand error(String reason) {
        return new RespCommand("", List.of(), reason);
    }

    private static String describe(RedisMessage m) {
        String s = m.getClass().getSimpleName();
        return s.endsWith("RedisMessage") ? s.substring(0, s.length() - "RedisMessage".length()).toLowerCase(Locale.ROOT)
                : s;
    }

    /** @return the number of arguments after the name */
    int arity() {
        return args.size();
    }

    /**
     * @param i argument index
     * @return the argument as UTF-8 text
     */
    String text(int i) {
        return new String(args.get(i), StandardCharsets.UTF_8);
    }

    /**
     * @param i argument index
     * @return the argument as a whole number
     * @throws NumberFormatException if it is not one (Redis: "value is not an integer or out of range")
     */
    long integer(int i) {
        return Long.parseLong(text(i));
    }
}
