package io.sluice.transport.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Writes one connection's answers (event loop only): those given while a read is being handled
 * are flushed once when the read ends (several pipelined requests, one write to the socket), the
 * others at once; an answer that closes the connection closes it once written.
 */
final class Replies {

    private final ChannelHandlerContext ctx;
    private boolean inRead;
    private boolean unflushed;

    Replies(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** A read's messages are being handled. */
    void reading() {
        inRead = true;
    }

    /** The read ended: what it answered goes out. */
    void readDone() {
        inRead = false;
        flush();
    }

    void write(FullHttpResponse r, boolean close) {
        if (close) {
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        } else if (inRead) {
            ctx.write(r, ctx.voidPromise());
            unflushed = true;
        } else {
            ctx.writeAndFlush(r, ctx.voidPromise());
        }
    }

    /** {@code 100 Continue} when the client waits for it before sending the body it is about to be read. */
    void continueIfExpected(HttpRequest request) {
        if (HttpUtil.is100ContinueExpected(request)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
    }

    void flush() {
        if (unflushed) {
            unflushed = false;
            ctx.flush();
        }
    }
}
