package io.sluice.transport.auth;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/** One parsed tokens file: (identity, SHA-256 of token) pairs; see {@link TokenAuthenticator}. */
final class TokenTable {

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@\\-]+");

    private final String[] names;
    private final byte[][] digests;

    private TokenTable(List<String> names, List<byte[]> digests) {
        this.names = names.toArray(String[]::new);
        this.digests = digests.toArray(byte[][]::new);
    }

    /**
     * @param file the file's name, for messages
     * @param bytes its content
     * @return the table
     * @throws IllegalArgumentException naming the file and line (never the token)
     */
    static TokenTable parse(String file, byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not UTF-8 text");
        }
        List<String> names = new ArrayList<>();
        List<byte[]> digests = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String name = colon < 0 ? null : line.substring(0, colon).strip();
            String token = colon < 0 ? line : line.substring(colon + 1).strip();
            String where = file + ":" + (i + 1) + ": ";
            if (name != null && !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(where + "a name uses only letters, digits and . _ @ -");
            }
            if (!TOKEN.matcher(token).matches() || token.length() > TokenAuthenticator.MAX_TOKEN_LENGTH) {
                throw new IllegalArgumentException(where + "not a token (letters, digits, - . _ ~ + / and "
                        + "trailing =, at most " + TokenAuthenticator.MAX_TOKEN_LENGTH + " characters)");
            }
            byte[] digest = TokenAuthenticator.sha256(token.getBytes(StandardCharsets.UTF_8));
            for (byte[] d : digests) {
                if (MessageDigest.isEqual(d, digest)) {
                    throw new IllegalArgumentException(where + "the same token appears on an earlier line");
                }
            }
            names.add(name != null ? name : "token-" + HexFormat.of().formatHex(digest, 0, 4));
            digests.add(digest);
        }
        if (digests.isEmpty()) {
            throw new IllegalArgumentException(file + ": no token in the file (every client would be refused)");
        }
        return new TokenTable(names, digests);
    }

    /**
     * Compares with every entry, without stopping at a match.
     *
     * @param digest SHA-256 of the presented token
     * @return the matching entry's identity, or null
     */
    String match(byte[] digest) {
        String found = null;
        for (int i = 0; i < digests.length; i++) {
            if (MessageDigest.isEqual(digests[i], digest)) {
                found = names[i];
            }
        }
        return found;
    }

    int size() {
        return digests.length;
    }
}
