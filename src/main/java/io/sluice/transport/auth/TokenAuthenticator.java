package io.sluice.transport.auth;

import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import io.sluice.transport.tls.FileReloader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Checks bearer tokens against a tokens file and names the caller.
 *
 * <p>File format (UTF-8), one entry per line: {@code name:token} or just {@code token}; blank lines and
 * lines starting with {@code #} are ignored. A token uses the RFC 6750 {@code b64token} characters
 * ({@code A-Z a-z 0-9 - . _ ~ + /}, then optional {@code =}), so the first {@code :} always ends the
 * name. The name ({@code A-Z a-z 0-9 . _ @ -}) is the identity a message's {@code client} header gets;
 * an unnamed token's identity is {@code token-} and the first 8 hex digits of its SHA-256. Several
 * tokens may share a name (rotation: add the new token, move the clients, remove the old one); a token
 * may appear once. A file without any token is refused (every client would be locked out).
 *
 * <p>Only SHA-256 digests of the tokens are kept. A presented token is digested and compared with
 * every entry by {@link MessageDigest#isEqual} without stopping at a match, so the time taken does not
 * depend on which entry matched or how much of a token was right. Tokens are never logged: errors name
 * the file and line only. The file is re-read when it changes and on {@link #reload()}; a bad new file
 * keeps the tokens in force with one ERROR.
 */
public final class TokenAuthenticator implements AutoCloseable {

    /** Longest token accepted (longer ones are refused before any comparison). */
    public static final int MAX_TOKEN_LENGTH = 4096;
    private static final long MAX_FILE_BYTES = 4L << 20;

    private final FileReloader file;
    private volatile TokenTable table;

    private TokenAuthenticator(Path tokensFile, Duration reloadInterval, String what) {
        this.file = new FileReloader("tokens for " + what, List.of(tokensFile), MAX_FILE_BYTES,
                contents -> table = TokenTable.parse(tokensFile.toString(), contents.get(0)))
                .watch(reloadInterval);
    }

    /**
     * Reads the tokens file and starts watching it.
     *
     * @param tokensFile the file
     * @param reloadInterval time between checks for changes; zero disables polling
     * @param what the endpoint, for log lines
     * @return the authenticator
     * @throws IllegalArgumentException naming the file and line when it cannot be read or is malformed
     */
    public static TokenAuthenticator open(Path tokensFile, Duration reloadInterval, String what) {
        return new TokenAuthenticator(tokensFile, reloadInterval, what);
    }

    /**
     * @param token the presented token (may be null)
     * @return the identity the token belongs to, or empty when it matches no entry
     */
    public Optional<String> authenticate(CharSequence token) {
        if (token == null || token.length() == 0 || token.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        return Optional.ofNullable(table.match(sha256(token.toString().getBytes(StandardCharsets.UTF_8))));
    }

    /**
     * Authenticates the value of an HTTP {@code Authorization} header (or gRPC {@code authorization}
     * metadata).
     *
     * @param authorization the header value, or null when absent
     * @return the identity, or empty when the header is absent, not a bearer token, or not a known token
     */
    public Optional<String> authenticateHeader(CharSequence authorization) {
        return BearerTokens.fromAuthorization(authorization).flatMap(this::authenticate);
    }

    /** @return how many tokens are in force */
    public int size() {
        return table.size();
    }

    /**
     * Re-reads the tokens file now (the CLI calls this on SIGHUP).
     *
     * @return true when the file on disk is in force, false when it was rejected and the old tokens stay
     */
    public boolean reload() {
        return file.reload();
    }

    /** Stops watching the file; the tokens in force stay. */
    @Override
    public void close() {
        file.close();
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** @return the YAML schema of the {@code auth} group, for an endpoint type's option list (sources) */
    public static OptionSpec authOption() {
        return OptionSpec.group("auth", "clients must present a bearer token (HTTP/WebSocket Authorization, gRPC "
                        + "authorization metadata, RSocket SETUP auth metadata)",
                OptionSpec.required("tokensFile", OptionType.STRING,
                        "file with one token per line, 'name:token' or 'token'; # starts a comment"),
                OptionSpec.optional("reloadInterval", OptionType.DURATION, Duration.ofSeconds(10),
                        "how often the file is checked for changes (also re-read on SIGHUP)")).sourceOnly();
    }

    /**
     * Opens the authenticator a validated {@code auth} group describes.
     *
     * @param group the group, or null
     * @param baseDir directory relative file names are resolved against, or null
     * @param what the endpoint, for log lines
     * @return the authenticator, or null when {@code group} is null (no authentication)
     */
    public static TokenAuthenticator from(EndpointOptions group, Path baseDir, String what) {
        if (group == null) {
            return null;
        }
        String name = group.string("tokensFile");
        Duration interval = group.duration("reloadInterval");
        return open(baseDir == null ? Path.of(name) : baseDir.resolve(name),
                interval == null ? Duration.ofSeconds(10) : interval, what);
    }
}
