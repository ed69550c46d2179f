package io.sluice.transport.resp;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * One decoded client command ({@link RespRequestDecoder}): its name (upper case) and its arguments
 * as bytes. A request that is not a command (malformed RESP, an array that is not of bulk strings, a
 * bulk string over the limit) is a {@link #protocolError}: the caller answers
 * {@code -ERR Protocol error: ...} and closes the connection, as Redis does.
 *
 * @param name command name in upper case, empty for an empty request (ignored, as Redis does)
 * @param args the arguments after the name
 * @param protocolError null, or why the request is not a command
 */
record RespCommand(String name, List<byte[]> args, String protocolError) {

    /** The names the endpoints answer: matched without allocating a string. */
    private static final String[] KNOWN = {"NEXT", "UPDATE", "BNEXT", "PEEK", "INFO", "SNAPSHOT", "PING", "ECHO",
        "QUIT", "CLIENT", "COMMAND", "RPUSH", "LPUSH"};
    private static final RespCommand EMPTY = new RespCommand("", List.of(), null);

    /**
     * @param parts the request's words: name, then arguments (the list is kept)
     * @return the command (the empty command for no parts)
     */
    static RespCommand of(List<byte[]> parts) {
        if (parts.isEmpty()) {
            return EMPTY;
        }
        return new RespCommand(name(parts.get(0)), parts.subList(1, parts.size()), null);
    }

    /** @return the request that is not a command, for {@code reason} */
    static RespCommand invalid(String reason) {
        return new RespCommand("", List.of(), reason);
    }

    /** @return the empty command (an empty request, ignored) */
    static RespCommand empty() {
        return EMPTY;
    }

    /** @return {@code name} in upper case: a known name's constant, else a new string */
    private static String name(byte[] name) {
        for (String k : KNOWN) {
            if (equalsIgnoreAsciiCase(name, k)) {
                return k;
            }
        }
        return new String(name, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
    }

    private static boolean equalsIgnoreAsciiCase(byte[] b, String upper) {
        if (b.length != upper.length()) {
            return false;
        }
        for (int i = 0; i < b.length; i++) {
            int c = b[i];
            if (c >= 'a' && c <= 'z') {
                c -= 'a' - 'A';
            }
            if (c != upper.charAt(i)) {
                return false;
            }
        }
        return true;
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
