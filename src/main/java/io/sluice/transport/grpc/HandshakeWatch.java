package io.sluice.transport.grpc;

import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelPipeline;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import io.grpc.netty.shaded.io.netty.util.concurrent.Future;
import io.sluice.transport.auth.ServerSecurity;

/**
 * Failed TLS handshakes on a gRPC port (plaintext client, untrusted or missing client certificate,
 * protocol mismatch, a connection closed before its handshake finished), reported to the source's
 * {@link ServerSecurity} as the reactor-netty transports report theirs: counted as
 * {@code sluice_transport_errors_total{reason="tls"}} and logged once with the peer, instead of only in
 * grpc-java's java.util.logging at FINE. Installed through grpc-java's own TLS server negotiator
 * ({@link InternalProtocolNegotiators#serverTls}, grpc-java internal API, checked against
 * grpc-netty-shaded 1.83) with a watcher after it in each connection's pipeline; the watcher looks at
 * the connection's {@link SslHandler} when an exception or the channel's end passes, and reports once
 * if its handshake failed. After a successful handshake it only passes events on.
 */
final class HandshakeWatch extends ChannelInboundHandlerAdapter {

    private final ServerSecurity security;
    private boolean reported;

    private HandshakeWatch(ServerSecurity security) {
        this.security = security;
    }

    /**
     * @param ssl the server's TLS context (gRPC flavour; rotated contexts swap inside it)
     * @param security where failures are reported
     * @param watch makes each connection's {@link GrpcCloseWatch} (why grpc-java closes it)
     * @return grpc-java's TLS server negotiator with the watcher behind it
     */
    static InternalProtocolNegotiator.ProtocolNegotiator negotiator(SslContext ssl, ServerSecurity security,
            java.util.function.Supplier<GrpcCloseWatch> watch) {
        InternalProtocolNegotiator.ProtocolNegotiator tls = InternalProtocolNegotiators.serverTls(ssl);
        return new InternalProtocolNegotiator.ProtocolNegotiator() {
            @Override
            public AsciiString scheme() {
                return tls.scheme();
            }

            @Override
            public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
                ChannelHandler next = tls.newHandler(grpcHandler);
                return new ChannelInboundHandlerAdapter() {
                    @Override
                    public void handlerAdded(ChannelHandlerContext ctx) {
                        ChannelPipeline p = ctx.pipeline();
                        p.addAfter(ctx.name(), "sluiceTlsHandshakeWatch", new HandshakeWatch(security));
                        p.replace(this, null, next);
                        // grpc-java's TLS handler put its SslHandler just before itself: watch the frames behind it
                        ChannelHandlerContext ssl = p.context(SslHandler.class);
                        if (ssl != null) {
                            p.addAfter(ssl.name(), "sluiceGrpcCloseWatch", watch.get());
                        }
                    }
                };
            }

            @Override
            public void close() {
                tls.close();
            }
        };
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        check(ctx);
        super.exceptionCaught(ctx, cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        check(ctx);
        super.channelInactive(ctx);
    }

    private void check(ChannelHandlerContext ctx) {
        if (reported) {
            return;
        }
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return;
        }
        Future<?> handshake = ssl.handshakeFuture();
        if (handshake.isDone() && !handshake.isSuccess()) {
            reported = true;
            security.handshakeFailed(ctx.channel().remoteAddress(), handshake.cause());
        }
    }
}
