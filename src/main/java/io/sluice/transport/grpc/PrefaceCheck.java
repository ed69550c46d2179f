package io.sluice.transport.grpc;

import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import io.sluice.transport.internal.ServerSkeleton;
import java.nio.charset.StandardCharsets;

/**
 * Connection-level garbage on the gRPC port: the first bytes of every connection must be the
 * HTTP/2 client preface ({@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}). A connection that starts with
 * anything else (an HTTP/1.1 request, a TLS hello on a plaintext port, random bytes) is closed at
 * once, counted as an error (reason {@code malformed}) and reported in one WARN line with the peer
 * and what it sent, instead of grpc-java's multi-line java.util.logging trace. Installed through a
 * plaintext {@link InternalProtocolNegotiator.ProtocolNegotiator} that puts the check first in each
 * connection's pipeline and otherwise behaves as grpc-java's own (grpc-java internal API, checked
 * against grpc-netty-shaded 1.83).
 */
final class PrefaceCheck extends ChannelInboundHandlerAdapter {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerSkeleton.Binding binding;
    private int matched;

    private PrefaceCheck(ServerSkeleton.Binding binding) {
        this.binding = binding;
    }

    /**
     * @param b the subscription to report to
     * @param watch makes each connection's {@link GrpcCloseWatch}
     * @return grpc-java's plaintext server negotiator with the preface check in front
     */
    static InternalProtocolNegotiator.ProtocolNegotiator negotiator(ServerSkeleton.Binding b,
            java.util.function.Supplier<GrpcCloseWatch> watch) {
        InternalProtocolNegotiator.ProtocolNegotiator plain = InternalProtocolNegotiators.serverPlaintext();
        return new InternalProtocolNegotiator.ProtocolNegotiator() {
            @Override
            public AsciiString scheme() {
                return plain.scheme();
            }

            @Override
            public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
                ChannelHandler next = plain.newHandler(grpcHandler);
                return new ChannelInboundHandlerAdapter() {
                    @Override
                    public void handlerAdded(ChannelHandlerContext ctx) {
                        ctx.pipeline().addFirst("sluicePrefaceCheck", new PrefaceCheck(b));
                        ctx.pipeline().addAfter("sluicePrefaceCheck", "sluiceGrpcCloseWatch", watch.get());
                        ctx.pipeline().replace(this, null, next);
                    }
                };
            }

            @Override
            public void close() {
                plain.close();
            }
        };
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            int n = Math.min(buf.readableBytes(), PREFACE.length - matched);
            for (int i = 0; i < n; i++) {
                if (buf.getByte(buf.readerIndex() + i) != PREFACE[matched + i]) {
                    String start = printable(buf);
                    ReferenceCountUtil.release(msg);
                    binding.error(String.valueOf(ctx.channel().remoteAddress()), "not a gRPC connection: bad HTTP/2"
                            + " client preface (gRPC needs HTTP/2; the connection began with \"" + start
                            + "\"), connection closed", null);
                    ctx.close();
                    return;
                }
            }
            matched += n;
            if (matched == PREFACE.length) {
                ctx.pipeline().remove(this);
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** @return the first bytes, at most 40, with non-printable ones as '.' */
    private static String printable(ByteBuf buf) {
        int n = Math.min(40, buf.readableBytes());
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int c = buf.getByte(buf.readerIndex() + i) & 0xFF;
            s.append(c >= 0x20 && c < 0x7F ? (char) c : '.');
        }
        return s.toString();
    }
}
