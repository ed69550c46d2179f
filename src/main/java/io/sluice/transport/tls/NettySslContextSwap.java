package io.sluice.transport.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.security.KeyException;
import java.security.KeyFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.PrivateKey;
import java.util.List;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSessionContext;

/**
 * Netty's (reactor-netty's) side: builds a plain {@link SslContext} from parsed material and is itself
 * the stable, swappable {@link SslContext} handed to reactor-netty once. Every new connection asks it
 * for a handler or engine, which it takes from the context in force at that moment; connections
 * already open keep the engine (and certificate) they were made with.
 */
final class NettySslContextSwap extends SslContext {

    private volatile SslContext current;

    NettySslContextSwap(SslContext first) {
        this.current = first;
    }

    void swap(SslContext next) {
        current = next;
    }

    SslContext current() {
        return current;
    }

    /**
     * @param options the endpoint's settings
     * @param m the parsed files
     * @param engine the resolved engine (never AUTO)
     * @return a new context
     * @throws SSLException when Netty rejects the material
     */
    static SslContext build(TlsOptions options, TlsMaterial m, TlsOptions.Engine engine) throws SSLException {
        SslContextBuilder b;
        if (options.role() == io.sluice.transport.spi.Role.SOURCE) {
            b = SslContextBuilder.forServer(m.key, m.chain);
            if (m.trusted != null) {
                b.trustManager(m.trusted).clientAuth(ClientAuth.REQUIRE);
            }
        } else {
            b = SslContextBuilder.forClient();
            if (m.chain != null) {
                b.keyManager(m.key, m.chain);
            }
            if (m.trusted != null) {
                b.trustManager(m.trusted);
            }
            b.endpointIdentificationAlgorithm(options.verifyHostname() ? "HTTPS" : null);
        }
        return b.sslProvider(engine == TlsOptions.Engine.OPENSSL ? SslProvider.OPENSSL : SslProvider.JDK)
                .protocols(TlsOptions.PROTOCOLS)
                .build();
    }

    /**
     * @param wanted the configured engine
     * @return the engine to use for reactor-netty's Netty
     * @throws IllegalArgumentException when OpenSSL is asked for and does not load here
     */
    static TlsOptions.Engine resolve(TlsOptions.Engine wanted) {
        if (wanted == TlsOptions.Engine.JDK) {
            return wanted;
        }
        if (OpenSsl.isAvailable()) {
            return TlsOptions.Engine.OPENSSL;
        }
        if (wanted == TlsOptions.Engine.OPENSSL) {
            throw new IllegalArgumentException("tls.engine: openssl does not load on this machine: "
                    + OpenSsl.unavailabilityCause());
        }
        return TlsOptions.Engine.JDK;
    }

    /**
     * Reads a PEM private key with Netty's parser (PKCS#8), then re-creates it with the JDK's own key
     * factory: Netty hands keys to BouncyCastle when that is on the class path, and the JDK's signature
     * and TLS code refuse BouncyCastle's key objects.
     */
    static PrivateKey privateKey(byte[] pem) throws Exception {
        PrivateKey key = toPrivateKey(new ByteArrayInputStream(pem), null);
        if (key == null) {
            throw new KeyException("no key found");
        }
        String family = switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> "EC";
            case "Ed25519", "Ed448", "EdDSA" -> "EdDSA";
            default -> key.getAlgorithm();
        };
        return KeyFactory.getInstance(family).generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
    }

    @Override
    public boolean isClient() {
        return current.isClient();
    }

    @Override
    public List<String> cipherSuites() {
        return current.cipherSuites();
    }

    @Override
    public long sessionCacheSize() {
        return current.sessionCacheSize();
    }

    @Override
    public long sessionTimeout() {
        return current.sessionTimeout();
    }

    @Override
    @SuppressWarnings("deprecation")
    public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
        return current.applicationProtocolNegotiator();
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc) {
        return current.newEngine(alloc);
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
        return current.newEngine(alloc, peerHost, peerPort);
    }

    @Override
    public SSLSessionContext sessionContext() {
        return current.sessionContext();
    }

    // The handler factories go to the current context's public ones, so an OpenSSL context keeps its
    // own (faster, non-JDK-compatible mode) handler; start-TLS handlers are built from an engine.

    @Override
    protected SslHandler newHandler(ByteBufAllocator alloc, boolean startTls) {
        return startTls ? new SslHandler(newEngine(alloc), true) : current.newHandler(alloc);
    }

    @Override
    protected SslHandler newHandler(ByteBufAllocator alloc, boolean startTls, Executor executor) {
        return startTls ? new SslHandler(newEngine(alloc), true, executor) : current.newHandler(alloc, executor);
    }

    @Override
    protected SslHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort, boolean startTls) {
        return startTls ? new SslHandler(newEngine(alloc, peerHost, peerPort), true)
                : current.newHandler(alloc, peerHost, peerPort);
    }

    @Override
    protected SslHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort, boolean startTls,
            Executor executor) {
        return startTls ? new SslHandler(newEngine(alloc, peerHost, peerPort), true, executor)
                : current.newHandler(alloc, peerHost, peerPort, executor);
    }
}
