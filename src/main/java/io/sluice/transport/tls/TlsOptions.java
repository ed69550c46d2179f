package io.sluice.transport.tls;

import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import io.sluice.transport.spi.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * TLS settings of one endpoint, as written in YAML under {@code tls:}: PEM files and the engine.
 *
 * <p>A server (a source) presents {@code cert}/{@code key}; with {@code clientCa} it requires every
 * client to present a certificate issued by one of those CAs (mutual TLS). A client (a sink) verifies
 * the server against {@code ca} (the JDK's default trust store when absent) and, by default, that the
 * certificate names the host it dialled; with {@code cert}/{@code key} it presents a client certificate.
 * Only TLS 1.3 and TLS 1.2 are offered. All files are re-read when they change (every
 * {@code reloadInterval}) and on {@link TlsContext#reload()}.
 *
 * @param role which side the endpoint is on (decides which fields are required)
 * @param cert PEM certificate chain, leaf first (required on a server), or null
 * @param key PEM private key, PKCS#8 (required with {@code cert}), or null
 * @param ca PEM CA certificates that a client trusts for the server, or null for the JDK default
 * @param clientCa PEM CA certificates a server trusts for client certificates; set means required
 * @param engine which TLS implementation to use
 * @param verifyHostname whether a client checks that the server certificate names the dialled host
 * @param reloadInterval how often the files are checked for changes; zero disables polling
 */
public record TlsOptions(Role role, Path cert, Path key, Path ca, Path clientCa, Engine engine,
        boolean verifyHostname, Duration reloadInterval) {

    /** The TLS protocol versions offered, newest first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** Default time between checks of the files for changes. */
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);

    /** Which TLS implementation a context uses. */
    public enum Engine {
        /** OpenSSL (BoringSSL via netty-tcnative); fails when the native library does not load. */
        OPENSSL,
        /** The JDK's own TLS implementation (JSSE). */
        JDK,
        /** OpenSSL when it loads on this machine, else the JDK's. */
        AUTO
    }

    /** Checks that the fields fit the role. */
    public TlsOptions {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(reloadInterval, "reloadInterval");
        List<String> problems = new ArrayList<>();
        if ((cert == null) != (key == null)) {
            problems.add("tls.cert and tls.key go together: give both or neither");
        }
        if (role == Role.SOURCE) {
            if (cert == null && key == null) {
                problems.add("tls.cert and tls.key: required on a source (the server's certificate)");
            }
            if (ca != null) {
                problems.add("tls.ca: applies to sinks; on a source, tls.clientCa requires client certificates");
            }
        } else if (clientCa != null) {
            problems.add("tls.clientCa: applies to sources; on a sink, tls.ca is the CA the server is checked against");
        }
        if (reloadInterval.isNegative()) {
            problems.add("tls.reloadInterval: must not be negative");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
    }

    /**
     * @param cert PEM certificate chain
     * @param key PEM private key
     * @return server options presenting that certificate, without client certificates, engine AUTO
     */
    public static TlsOptions server(Path cert, Path key) {
        return new TlsOptions(Role.SOURCE, cert, key, null, null, Engine.AUTO, false, DEFAULT_RELOAD_INTERVAL);
    }

    /**
     * @param ca PEM CA certificates to trust, or null for the JDK's default trust store
     * @return client options verifying the server and its host name, engine AUTO
     */
    public static TlsOptions client(Path ca) {
        return new TlsOptions(Role.SINK, null, null, ca, null, Engine.AUTO, true, DEFAULT_RELOAD_INTERVAL);
    }

    /**
     * @param clientCaFile PEM CAs for client certificates
     * @return these options, requiring client certificates issued by those CAs
     */
    public TlsOptions withClientCa(Path clientCaFile) {
        return new TlsOptions(role, cert, key, ca, clientCaFile, engine, verifyHostname, reloadInterval);
    }

    /**
     * @param certFile PEM certificate chain
     * @param keyFile PEM private key
     * @return these options, presenting that certificate
     */
    public TlsOptions withCertificate(Path certFile, Path keyFile) {
        return new TlsOptions(role, certFile, keyFile, ca, clientCa, engine, verifyHostname, reloadInterval);
    }

    /**
     * @param e the engine
     * @return these options with that engine
     */
    public TlsOptions withEngine(Engine e) {
        return new TlsOptions(role, cert, key, ca, clientCa, e, verifyHostname, reloadInterval);
    }

    /**
     * @param verify whether a client checks the server's host name
     * @return these options with that setting
     */
    public TlsOptions withVerifyHostname(boolean verify) {
        return new TlsOptions(role, cert, key, ca, clientCa, engine, verify, reloadInterval);
    }

    /**
     * @param interval time between file checks; zero disables polling
     * @return these options with that interval
     */
    public TlsOptions withReloadInterval(Duration interval) {
        return new TlsOptions(role, cert, key, ca, clientCa, engine, verifyHostname, interval);
    }

    /** @return the files this context reads, in a fixed order (absent ones left out) */
    List<Path> files() {
        List<Path> out = new ArrayList<>(4);
        for (Path p : new Path[] {cert, key, ca, clientCa}) {
            if (p != null) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * The YAML schema of the {@code tls} group, for an endpoint type's option list.
     *
     * @return the {@code tls} option
     */
    public static OptionSpec tlsOption() {
        return OptionSpec.group("tls", "TLS with PEM files; present => the endpoint speaks only TLS 1.3/1.2",
                OptionSpec.optional("cert", OptionType.STRING, null,
                        "PEM certificate chain, leaf first (required on a source; a client certificate on a sink)"),
                OptionSpec.optional("key", OptionType.STRING, null, "PEM private key (PKCS#8) of cert"),
                OptionSpec.optional("ca", OptionType.STRING, null,
                        "PEM CAs the sink trusts for the server (default: the JDK's trust store)").sinkOnly(),
                OptionSpec.optional("clientCa", OptionType.STRING, null,
                        "PEM CAs for client certificates; present => a client certificate is required").sourceOnly(),
                OptionSpec.choice("engine", "auto", "TLS implementation: OpenSSL (tcnative), the JDK's, or "
                        + "OpenSSL when available", "auto", "openssl", "jdk"),
                OptionSpec.optional("verifyHostname", OptionType.BOOLEAN, Boolean.TRUE,
                        "sink: check that the server certificate names the host dialled").sinkOnly(),
                OptionSpec.optional("reloadInterval", OptionType.DURATION, DEFAULT_RELOAD_INTERVAL,
                        "how often the files are checked for changes (also re-read on SIGHUP)"));
    }

    /**
     * Reads a validated {@code tls} group.
     *
     * @param group the group as {@link OptionSpec#convert(Object)} returned it (defaults applied), or null
     * @param role the endpoint's side
     * @param baseDir directory that relative file names are resolved against (the config file's)
     * @return the options, or null when {@code group} is null (no TLS)
     * @throws IllegalArgumentException listing every problem, one per line
     */
    public static TlsOptions from(EndpointOptions group, Role role, Path baseDir) {
        if (group == null) {
            return null;
        }
        Boolean verify = group.bool("verifyHostname");
        Duration interval = group.duration("reloadInterval");
        String engine = group.string("engine");
        return new TlsOptions(role, path(baseDir, group.string("cert")), path(baseDir, group.string("key")),
                path(baseDir, group.string("ca")), path(baseDir, group.string("clientCa")),
                engine == null ? Engine.AUTO : Engine.valueOf(engine.toUpperCase(java.util.Locale.ROOT)),
                verify == null || verify, interval == null ? DEFAULT_RELOAD_INTERVAL : interval);
    }

    private static Path path(Path baseDir, String name) {
        return name == null ? null : baseDir == null ? Path.of(name) : baseDir.resolve(name);
    }
}
