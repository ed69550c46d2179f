package io.sluice.transport.auth;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.regex.Pattern;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * The bearer token a client sink presents, as written in YAML under the sink's {@code auth:}
 * ({@code auth: {tokenFile: token.txt}}): HTTP and WebSocket send {@code Authorization: Bearer <token>},
 * gRPC the {@code authorization} metadata, RSocket the SETUP frame's
 * {@code message/x.rsocket.authentication.v0} bearer metadata.
 *
 * <p>File format (UTF-8): one line holding the token, or {@code name:token} as in a source's tokens file
 * ({@link TokenAuthenticator}), so the line given to a client can be copied as it stands; blank lines and
 * {@code #} comments are ignored. The token is kept in a file, not in the YAML, so that the configuration
 * can be shared without the secret. The file is read when a write connects (HTTP: per request) and read
 * again only when its modification time or size changed, so a rotated token is used by the next
 * connection. The token is never logged: errors name the file and line only.
 */
public final class SinkToken {

    private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

    private final Path file;
    private volatile Cached cached;

    private record Cached(long modified, long size, String token) {
    }

    /** @param file the token file */
    public SinkToken(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    /** @return the token file */
    public Path file() {
        return file;
    }

    /**
     * @return the token in the file now (re-read only when the file changed)
     * @throws IllegalArgumentException naming the file (and line) when it cannot be read or holds no
     *     single valid token
     */
    public String current() {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("auth.tokenFile: cannot read " + file + ": " + e.getMessage(), e);
        }
        Cached c = cached;
        long modified = a.lastModifiedTime().toMillis();
        if (c != null && c.modified == modified && c.size == a.size()) {
            return c.token;
        }
        String token = read();
        cached = new Cached(modified, a.size(), token);
        return token;
    }

    private String read() {
        String text;
        try {
            if (Files.size(file) > TokenAuthenticator.MAX_TOKEN_LENGTH + 4096) {
                throw new IllegalArgumentException("auth.tokenFile: " + file + " is too large for a token file");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("auth.tokenFile: cannot read " + file + ": " + e.getMessage(), e);
        }
        String token = null;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (token != null) {
                throw new IllegalArgumentException("auth.tokenFile: " + file + ":" + (i + 1)
                        + ": a second token (the file holds one token)");
            }
            int colon = line.indexOf(':');
            String t = colon < 0 ? line : line.substring(colon + 1).strip();
            if (t.length() > TokenAuthenticator.MAX_TOKEN_LENGTH || !B64TOKEN.matcher(t).matches()) {
                throw new IllegalArgumentException("auth.tokenFile: " + file + ":" + (i + 1)
                        + ": not a bearer token (RFC 6750 characters A-Z a-z 0-9 - . _ ~ + / then =)");
            }
            token = t;
        }
        if (token == null) {
            throw new IllegalArgumentException("auth.tokenFile: " + file + ": no token in the file");
        }
        return token;
    }

    /** @return the {@code Authorization} header value presenting the current token */
    public String header() {
        return BearerTokens.header(current());
    }

    /**
     * @param client an HTTP client (HTTP, WebSocket handshake)
     * @param token the token, or null
     * @return the client sending {@code Authorization: Bearer <token>} with every request (the file is
     *     checked per request), or unchanged without a token
     */
    public static HttpClient authorize(HttpClient client, SinkToken token) {
        return token == null ? client : client.headersWhen(h -> Mono.fromCallable(
                () -> h.set(HttpHeaderNames.AUTHORIZATION, token.header())));
    }

    /** @return the YAML schema of a sink's {@code auth} group */
    public static OptionSpec authOption() {
        return OptionSpec.group("auth", "the bearer token this sink presents (HTTP/WebSocket Authorization, gRPC "
                        + "authorization metadata, RSocket SETUP auth metadata)",
                OptionSpec.required("tokenFile", OptionType.STRING,
                        "file holding the token, 'token' or 'name:token' on one line; # starts a comment"))
                .sinkOnly();
    }

    /**
     * @param group a validated sink {@code auth} group, or null
     * @param baseDir directory a relative name is resolved against, or null (as given)
     * @return the token, or null when {@code group} is null
     */
    public static SinkToken from(EndpointOptions group, Path baseDir) {
        if (group == null) {
            return null;
        }
        String name = group.string("tokenFile");
        return new SinkToken(baseDir == null ? Path.of(name) : baseDir.resolve(name));
    }
}
