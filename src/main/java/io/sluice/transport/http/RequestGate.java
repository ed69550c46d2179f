package io.sluice.transport.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.util.function.BiConsumer;

/**
 * Refuses, before reactor-netty handles them, requests it should not see: a request of any HTTP
 * version other than 1.0 and 1.1 (e.g. {@code HTTP/9.9}, or an HTTP/2 prior-knowledge preface
 * {@code PRI * HTTP/2.0}) is answered {@code HTTP/1.1 505 HTTP Version Not Supported}; bytes that
 * do not decode as a request line and headers are answered {@code 400 Bad Request} (reported in one
 * line with the decoder's reason, instead of reactor-netty's WARN dump of the whole request). Both
 * close the connection and discard the rest of its input. Installed between the HTTP codec and
 * reactor-netty's request handling, one instance per connection.
 */
final class RequestGate extends ChannelInboundHandlerAdapter {

    static final String NAME = "sluiceRequestGate";

    private final BiConsumer<String, String> rejected;
    private boolean discarding;

    /** @param rejected told (peer, reason) about each refused request */
    RequestGate(BiConsumer<String, String> rejected) {
        this.rejected = rejected;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            HttpVersion v = req.protocolVersion();
            if (req.decoderResult().isFailure()) {
                refuse(ctx, msg, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request ("
                        + firstLine(req.decoderResult().cause()) + "): 400, connection closed");
                return;
            }
            if (!HttpVersion.HTTP_1_1.equals(v) && !HttpVersion.HTTP_1_0.equals(v)) {
                refuse(ctx, msg, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP version " + v.text()
                        + " not supported (only HTTP/1.0 and HTTP/1.1): 505, connection closed");
                return;
            }
            discarding = false;
        } else if (discarding) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void refuse(ChannelHandlerContext ctx, Object msg, HttpResponseStatus status, String reason) {
        discarding = true;
        ReferenceCountUtil.release(msg);
        rejected.accept(String.valueOf(ctx.channel().remoteAddress()), reason);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0).set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    /** @return the failure's message, one line, at most 120 characters */
    private static String firstLine(Throwable cause) {
        String m = cause == null ? "unknown" : cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        m = m.lines().findFirst().orElse("");
        return m.length() > 120 ? m.substring(0, 120) + "..." : m;
    }
}
