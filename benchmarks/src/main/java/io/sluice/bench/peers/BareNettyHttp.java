package io.sluice.bench.peers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * The Netty codec baseline for the HTTP intake cells of {@code run-peers.sh}: plain Netty
 * ({@link HttpServerCodec} and one streaming handler, no reactor-netty) that reads each request body
 * (copying it out, as a gateway must) and answers {@code 202 Accepted}, keep-alive honoured, written
 * per request and flushed once per read batch. It shows what serving the intake on Netty's own codec
 * would cost, against {@link BareHttp} (reactor-netty's per-request machinery) and nginx.
 * Usage: {@code BareNettyHttp PORT [EVENT_LOOP_THREADS]} (default: reactor-netty's worker count,
 * max(cores, 4)); runs until killed.
 */
public final class BareNettyHttp {

    private BareNettyHttp() {
    }

    /**
     * @param args the port to bind on 127.0.0.1, optionally the number of event-loop threads
     * @throws InterruptedException when interrupted while serving
     */
    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Math.max(Runtime.getRuntime().availableProcessors(), 4);
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup boss = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        EventLoopGroup workers = epoll ? new EpollEventLoopGroup(threads) : new NioEventLoopGroup(threads);
        Class<? extends ServerChannel> type = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        try {
            new ServerBootstrap().group(boss, workers).channel(type)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new Ingest());
                        }
                    })
                    .bind("127.0.0.1", port).sync().channel().closeFuture().sync();
        } finally {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
        }
    }

    /** One connection: copies each body out and answers 202 when its last part arrived. */
    private static final class Ingest extends ChannelInboundHandlerAdapter {
        private boolean keepAlive;
        private byte[] body = new byte[256];
        private int size;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest req) {
                    keepAlive = HttpUtil.isKeepAlive(req);
                    size = 0;
                }
                if (msg instanceof HttpContent c) {
                    int n = c.content().readableBytes();
                    if (size + n > body.length) {
                        body = java.util.Arrays.copyOf(body, Math.max(size + n, body.length * 2));
                    }
                    c.content().readBytes(body, size, n);
                    size += n;
                    if (msg instanceof LastHttpContent) {
                        byte[] payload = java.util.Arrays.copyOf(body, size);
                        sink(payload);
                        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.ACCEPTED,
                                Unpooled.EMPTY_BUFFER);
                        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
                        if (keepAlive) {
                            ctx.write(r);
                        } else {
                            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                        }
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private static volatile int sunk;

        private static void sink(byte[] payload) {
            sunk = payload.length; // keep the copy observable (not optimised away)
        }
    }
}
