package io.sluice.transport.auth;

import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import io.sluice.transport.tls.FileReloader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.zeromq.ZAuth;
import org.zeromq.ZCert;
import org.zeromq.ZConfig;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * ZeroMQ CURVE security (JeroMQ) from key files: encryption, server authentication, and client
 * authentication against a list of allowed client public keys.
 *
 * <p>Key files use ZeroMQ's certificate format ({@code zcert}, as written by JeroMQ's
 * {@link ZCert#saveSecret}/{@link ZCert#savePublic} and czmq): a {@code curve} section with
 * {@code public-key = "..."} and, in a secret certificate, {@code secret-key = "..."} (Z85, 40
 * characters). The allowed-clients file has one entry per line, {@code name:publickey} or
 * {@code publickey} (Z85), {@code #} comments; the name (else the key) is the client's identity (the
 * ZAP User-Id). It is re-read when it changes and on {@link #reload()}; a bad new file keeps the old
 * list. Without an allowed-clients file any client that knows the server's public key is accepted.
 *
 * <p>Client authentication runs as a ZAP handler ({@link ZAuth} with a CURVE check of our own) in the
 * server's {@link ZContext}; a refused client's handshake fails, so its messages never arrive, and the
 * {@link AuthListener} is told. Changing the server's own key needs the socket to be rebound.
 */
public final class ZmqCurve implements AutoCloseable {

    private static final Pattern Z85_KEY = Pattern.compile("[0-9a-zA-Z.\\-:+=^!/*?&<>()\\[\\]{}@%$#]{40}");

    private final ZCert serverCert;
    private final FileReloader allowedFile;
    private final ZAuth zap;
    private volatile Map<String, String> allowed;

    private ZmqCurve(ZContext ctx, Path serverSecretCert, Path allowedClients, Duration reloadInterval,
            String what, AuthListener listener) {
        this.serverCert = readCert(serverSecretCert, true);
        if (allowedClients == null) {
            allowedFile = null;
            zap = null;
            return;
        }
        allowedFile = new FileReloader("curve clients for " + what, List.of(allowedClients), 1 << 20,
                c -> allowed = parseAllowed(allowedClients.toString(), c.get(0))).watch(reloadInterval);
        AuthListener l = listener == null ? AuthListener.NONE : listener;
        Map<String, ZAuth.Auth> auths = new HashMap<>();
        auths.put("CURVE", new ZAuth.Auth() {
            @Override
            public boolean configure(ZMsg msg, boolean verbose) {
                return true;
            }

            @Override
            public boolean authorize(ZAuth.ZapRequest request, boolean verbose) {
                String name = allowed.get(request.clientKey);
                if (name == null) {
                    l.refused("curve client key not allowed", request.address == null ? null
                            : java.net.InetSocketAddress.createUnresolved(request.address, 0));
                    return false;
                }
                request.userId = name;
                return true;
            }
        });
        auths.put("NULL", new Allow(true));
        auths.put("PLAIN", new Allow(false));
        zap = new ZAuth(ctx, "sluice-zap-" + what, auths);
    }

    /**
     * Server side.
     *
     * @param ctx the context the server socket is made from (the ZAP handler lives there)
     * @param serverSecretCert the server's secret certificate file
     * @param allowedClients file of allowed client public keys, or null to accept any client with the
     *     server's public key
     * @param reloadInterval how often the allowed-clients file is checked; zero disables polling
     * @param what the endpoint, for log lines
     * @param listener told about refused clients
     * @return the server's CURVE security; apply it with {@link #applyServer}
     * @throws IllegalArgumentException naming the file when a file is missing or malformed
     */
    public static ZmqCurve server(ZContext ctx, Path serverSecretCert, Path allowedClients, Duration reloadInterval,
            String what, AuthListener listener) {
        return new ZmqCurve(ctx, serverSecretCert, allowedClients, reloadInterval, what, listener);
    }

    /**
     * Makes a socket a CURVE server; call before {@code bind}.
     *
     * @param socket the server socket
     */
    public void applyServer(ZMQ.Socket socket) {
        socket.setZAPDomain("sluice");
        socket.setCurveServer(true);
        socket.setCurveSecretKey(serverCert.getSecretKey());
    }

    /**
     * Makes a socket a CURVE client of a server; call before {@code connect}.
     *
     * @param socket the client socket
     * @param clientSecretCert the client's secret certificate file
     * @param serverPublicCert the server's public certificate file
     * @throws IllegalArgumentException naming the file when a file is missing or malformed
     */
    public static void applyClient(ZMQ.Socket socket, Path clientSecretCert, Path serverPublicCert) {
        ZCert client = readCert(clientSecretCert, true);
        ZCert server = readCert(serverPublicCert, false);
        socket.setCurveServer(false);
        socket.setCurvePublicKey(client.getPublicKey());
        socket.setCurveSecretKey(client.getSecretKey());
        socket.setCurveServerKey(server.getPublicKey());
    }

    /** @return the server's public key (Z85), to hand to clients */
    public String serverPublicKey() {
        return serverCert.getPublicKeyAsZ85();
    }

    /**
     * Re-reads the allowed-clients file now.
     *
     * @return true when the file on disk is in force (or there is none), false when it was rejected
     */
    public boolean reload() {
        return allowedFile == null || allowedFile.reload();
    }

    /** Stops the ZAP handler and the file watch. */
    @Override
    public void close() {
        if (allowedFile != null) {
            allowedFile.close();
        }
        if (zap != null) {
            zap.close();
        }
    }

    /**
     * @param file a certificate file in ZeroMQ's format
     * @param secret whether it must hold the secret key
     * @return the certificate
     */
    static ZCert readCert(Path file, boolean secret) {
        ZConfig conf;
        try {
            conf = ZConfig.load(file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e, e);
        }
        String pub = conf.getValue("curve/public-key");
        String sec = conf.getValue("curve/secret-key");
        if (pub == null || !Z85_KEY.matcher(pub).matches()) {
            throw new IllegalArgumentException(file + ": no curve/public-key of 40 Z85 characters");
        }
        if (secret && (sec == null || !Z85_KEY.matcher(sec).matches())) {
            throw new IllegalArgumentException(file + ": no curve/secret-key of 40 Z85 characters (a secret "
                    + "certificate is needed here)");
        }
        return secret ? new ZCert(pub, sec) : new ZCert(pub);
    }

    static Map<String, String> parseAllowed(String file, byte[] bytes) {
        Map<String, String> out = new HashMap<>();
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            // A Z85 key may itself contain ':', so a name is present only when the line is longer than a key.
            String key = line.length() > 40 ? line.substring(line.length() - 40) : line;
            String name = line.length() > 40 ? line.substring(0, line.length() - 40).strip() : null;
            if (name != null) {
                if (!name.endsWith(":") || name.length() == 1) {
                    throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected 'name:key' or 'key'");
                }
                name = name.substring(0, name.length() - 1).strip();
            }
            if (!Z85_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": not a Z85 public key (40 characters)");
            }
            out.put(key, name != null ? name : key);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no key in the file (every client would be refused)");
        }
        return Map.copyOf(out);
    }

    /** @return the YAML schema of the {@code curve} group of ZeroMQ endpoints */
    public static OptionSpec curveOption() {
        return OptionSpec.group("curve", "ZeroMQ CURVE encryption and authentication from key files",
                OptionSpec.required("secretKey", OptionType.STRING,
                        "this side's secret certificate (zcert format, curve/public-key and curve/secret-key)"),
                OptionSpec.optional("allowedClients", OptionType.STRING, null,
                        "file of allowed client public keys, 'name:key' or 'key' per line (default: any client)")
                        .sourceOnly(),
                OptionSpec.optional("serverKey", OptionType.STRING, null,
                        "the server's public certificate (zcert format); required on a sink").sinkOnly(),
                OptionSpec.optional("reloadInterval", OptionType.DURATION, Duration.ofSeconds(10),
                        "how often allowedClients is checked for changes (also re-read on SIGHUP)"));
    }

    /**
     * Server side from a validated {@code curve} group.
     *
     * @param group the group, or null
     * @param ctx the server socket's context
     * @param baseDir directory relative file names are resolved against, or null
     * @param what the endpoint, for log lines
     * @param listener told about refused clients
     * @return the server's CURVE security, or null when {@code group} is null
     */
    public static ZmqCurve server(EndpointOptions group, ZContext ctx, Path baseDir, String what,
            AuthListener listener) {
        if (group == null) {
            return null;
        }
        Duration interval = group.duration("reloadInterval");
        return server(ctx, path(baseDir, group.string("secretKey")), path(baseDir, group.string("allowedClients")),
                interval == null ? Duration.ofSeconds(10) : interval, what, listener);
    }

    /**
     * Client side from a validated {@code curve} group; does nothing when {@code group} is null.
     *
     * @param socket the client socket, before {@code connect}
     * @param group the group, or null
     * @param baseDir directory relative file names are resolved against, or null
     * @throws IllegalArgumentException when {@code serverKey} is missing or a file is unusable
     */
    public static void applyClient(ZMQ.Socket socket, EndpointOptions group, Path baseDir) {
        if (group == null) {
            return;
        }
        if (group.string("serverKey") == null) {
            throw new IllegalArgumentException("curve.serverKey: required on a sink (the server's public key)");
        }
        applyClient(socket, path(baseDir, group.string("secretKey")), path(baseDir, group.string("serverKey")));
    }

    private static Path path(Path baseDir, String name) {
        return name == null ? null : baseDir == null ? Path.of(name) : baseDir.resolve(name);
    }

    /** A fixed answer for mechanisms other than CURVE (other sockets of the same context). */
    private record Allow(boolean answer) implements ZAuth.Auth {
        @Override
        public boolean configure(ZMsg msg, boolean verbose) {
            return true;
        }

        @Override
        public boolean authorize(ZAuth.ZapRequest request, boolean verbose) {
            return answer;
        }
    }
}
