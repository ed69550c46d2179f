package io.sluice.transport.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.util.List;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSessionContext;

/**
 * gRPC's side, the twin of {@link NettySslContextSwap} for grpc-netty-shaded's relocated copy of Netty
 * (a different class hierarchy, hence a second class): builds a context with gRPC's ALPN (h2) and
 * cipher settings ({@link GrpcSslContexts#configure}) and is itself the stable, swappable context
 * handed to {@code NettyServerBuilder.sslContext} / {@code NettyChannelBuilder.sslContext} once. Every new connection asks it
 * for a handler or engine, which it takes from the context in force at that moment; connections
 * already open keep the engine (and certificate) they were made with.
 */
final class GrpcSslContextSwap extends SslContext {

    private volatile SslContext current;

    GrpcSslContextSwap(SslContext first) {
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
            b = GrpcSslContexts.configure(SslContextBuilder.forServer(m.key, m.chain), provider(engine));
            if (m.trusted != null) {
                b.trustManager(m.trusted).clientAuth(ClientAuth.REQUIRE);
            }
        } else {
            b = GrpcSslContexts.configure(SslContextBuilder.forClient(), provider(engine));
            if (m.chain != null) {
                b.keyManager(m.key, m.chain);
            }
            if (m.trusted != null) {
                b.trustManager(m.trusted);
            }
            // gRPC's client handler always verifies the host name against the channel's authority.
        }
        return b.protocols(TlsOptions.PROTOCOLS).build();
    }

    private static SslProvider provider(TlsOptions.Engine engine) {
        return engine == TlsOptions.Engine.OPENSSL ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /**
     * @param wanted the configured engine
     * @return the engine to use for gRPC's shaded Netty (its own tcnative copy)
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
