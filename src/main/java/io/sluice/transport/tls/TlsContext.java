package io.sluice.transport.tls;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.tcp.SslProvider;

/**
 * The TLS side of one endpoint, built once from its {@link TlsOptions} and handed to its server or
 * client once: a reactor-netty {@link SslProvider} (or the Netty {@code SslContext} inside it) and/or a
 * grpc-netty-shaded {@code SslContext}. These objects stay the same for the endpoint's life while the
 * certificates behind them change: the PEM files are re-read when they change (polled every
 * {@link TlsOptions#reloadInterval()}) and on {@link #reload()}; each new connection gets the context in
 * force when it is accepted or dialled, connections already open are left as they are. A bad new file
 * (unparseable, a key that does not match its certificate) keeps the previous context with one ERROR.
 *
 * <p>Contexts are built lazily per kind: a gRPC endpoint never builds the reactor-netty one.
 */
public final class TlsContext implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TlsContext.class);
    private static final long MAX_FILE_BYTES = 1 << 20;

    private final String what;
    private final TlsOptions options;
    private final FileReloader files;
    private TlsMaterial material;
    private NettySslContextSwap netty;
    private GrpcSslContextSwap grpc;

    private TlsContext(String what, TlsOptions options) {
        this.what = Objects.requireNonNull(what, "what");
        this.options = Objects.requireNonNull(options, "options");
        this.files = new FileReloader("tls for " + what, options.files(), MAX_FILE_BYTES, c -> apply(c))
                .watch(options.reloadInterval());
        X509Certificate leaf = material.leaf();
        if (leaf == null) {
            LOG.info("tls for {}: no own certificate, trusting {}", what,
                    options.ca() == null ? "the JDK's default CAs" : options.ca());
        }
    }

    /**
     * Reads and checks the files and starts watching them.
     *
     * @param options the endpoint's TLS settings
     * @param what the endpoint, for log lines (e.g. {@code "source http 127.0.0.1:8443"})
     * @return the context
     * @throws IllegalArgumentException when a file is missing or unusable, or the engine does not load
     */
    public static TlsContext open(TlsOptions options, String what) {
        NettySslContextSwap.resolve(options.engine());
        return new TlsContext(what, options);
    }

    private synchronized void apply(java.util.List<byte[]> contents) throws Exception {
        TlsMaterial next = TlsMaterial.parse(options, contents);
        io.netty.handler.ssl.SslContext nettyNext = netty == null ? null
                : NettySslContextSwap.build(options, next, NettySslContextSwap.resolve(options.engine()));
        io.grpc.netty.shaded.io.netty.handler.ssl.SslContext grpcNext = grpc == null ? null
                : GrpcSslContextSwap.build(options, next, GrpcSslContextSwap.resolve(options.engine()));
        if (nettyNext != null) {
            netty.swap(nettyNext);
        }
        if (grpcNext != null) {
            grpc.swap(grpcNext);
        }
        material = next;
        X509Certificate leaf = next.leaf();
        if (leaf != null) {
            LOG.info("tls for {}: certificate subject '{}', serial {}, valid until {}", what,
                    leaf.getSubjectX500Principal().getName(), leaf.getSerialNumber().toString(16),
                    leaf.getNotAfter().toInstant());
            if (leaf.getNotAfter().before(new Date()) || leaf.getNotBefore().after(new Date())) {
                LOG.warn("tls for {}: own certificate is not valid now (valid {} to {}); peers will refuse it",
                        what, leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
            }
        }
    }

    /**
     * @return the Netty {@code SslContext} for reactor-netty (also usable with a plain Netty pipeline);
     *     always the same object, serving the current certificate to each new connection
     */
    public synchronized io.netty.handler.ssl.SslContext sslContext() {
        if (netty == null) {
            try {
                netty = new NettySslContextSwap(NettySslContextSwap.build(options, material,
                        NettySslContextSwap.resolve(options.engine())));
            } catch (SSLException e) {
                throw new IllegalArgumentException("tls for " + what + ": " + e.getMessage(), e);
            }
        }
        return netty;
    }

    /**
     * @return a reactor-netty provider for {@code TcpServer.secure(provider)}, {@code HttpServer.secure},
     *     {@code TcpClient.secure}, {@code HttpClient.secure}
     */
    public SslProvider sslProvider() {
        return SslProvider.builder().sslContext(sslContext()).build();
    }

    /** @return a spec for the {@code secure(Consumer<SslContextSpec>)} forms of reactor-netty's builders */
    public Consumer<SslProvider.SslContextSpec> sslSpec() {
        io.netty.handler.ssl.SslContext ctx = sslContext();
        return spec -> spec.sslContext(ctx);
    }

    /**
     * @return the grpc-netty-shaded {@code SslContext} for {@code NettyServerBuilder.sslContext} /
     *     {@code NettyChannelBuilder.sslContext} (ALPN h2 configured); always the same object
     */
    public synchronized io.grpc.netty.shaded.io.netty.handler.ssl.SslContext grpcSslContext() {
        if (grpc == null) {
            try {
                grpc = new GrpcSslContextSwap(GrpcSslContextSwap.build(options, material,
                        GrpcSslContextSwap.resolve(options.engine())));
            } catch (SSLException e) {
                throw new IllegalArgumentException("tls for " + what + ": " + e.getMessage(), e);
            }
        }
        return grpc;
    }

    /** @return the engine reactor-netty's contexts use (OPENSSL or JDK) */
    public TlsOptions.Engine engine() {
        return NettySslContextSwap.resolve(options.engine());
    }

    /** @return the engine gRPC's contexts use (OPENSSL or JDK; grpc-netty-shaded has its own tcnative) */
    public TlsOptions.Engine grpcEngine() {
        return GrpcSslContextSwap.resolve(options.engine());
    }

    /** @return the settings this context was opened with */
    public TlsOptions options() {
        return options;
    }

    /** @return the certificate this side presents now, or null when it presents none */
    public synchronized X509Certificate certificate() {
        return material.leaf();
    }

    /** @return when the certificate presented now expires, or null when there is none */
    public Instant certificateExpiry() {
        X509Certificate c = certificate();
        return c == null ? null : c.getNotAfter().toInstant();
    }

    /**
     * Re-reads the files now (the CLI calls this on SIGHUP).
     *
     * @return true when the files on disk are in force, false when they were rejected (ERROR logged)
     *     and the previous context stays
     */
    public boolean reload() {
        return files.reload();
    }

    /** @return the file reloader (tests wait for its polls) */
    FileReloader files() {
        return files;
    }

    /** Stops watching the files; contexts handed out keep working with the last certificate. */
    @Override
    public void close() {
        files.close();
    }
}
