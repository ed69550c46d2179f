package io.sluice.transport.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.SocketAddress;
import java.util.Objects;
import reactor.netty.NettyPipeline;

/**
 * A Netty handler that reports every failed TLS handshake (plaintext client, untrusted or missing
 * client certificate, protocol mismatch) with the peer's address, so a transport can count it
 * ({@code sluice_transport_errors_total{reason="tls"}}) and log it once. Install it on each channel
 * right after reactor-netty's TLS handler (reactor-netty's own bridge at the end of the pipeline does
 * not pass these events on), e.g. {@code .doOnChannelInit((obs, ch, addr) -> TlsHandshakeFailures.install(
 * ch.pipeline(), listener))}; it only watches events and passes everything on.
 */
public final class TlsHandshakeFailures {

    /** Told about each failed handshake. */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param peer the client's address (or the server's, on a client channel)
         * @param cause why the handshake failed
         */
        void failed(SocketAddress peer, Throwable cause);
    }

    private TlsHandshakeFailures() {
    }

    /** Name of the handler in the pipeline. */
    public static final String NAME = "sluice.tlsHandshakeFailures";

    /**
     * Adds the handler after the pipeline's TLS handler ({@link NettyPipeline#SslHandler}); does nothing
     * when the pipeline has none.
     *
     * @param pipeline a channel's pipeline, from reactor-netty's {@code doOnChannelInit}
     * @param listener told about failures
     */
    public static void install(ChannelPipeline pipeline, Listener listener) {
        Objects.requireNonNull(listener, "listener");
        if (pipeline.get(NettyPipeline.SslHandler) != null && pipeline.get(NAME) == null) {
            pipeline.addAfter(NettyPipeline.SslHandler, NAME, new Handler(listener));
        }
    }

    private static final class Handler extends ChannelInboundHandlerAdapter {
        private final Listener listener;

        Handler(Listener listener) {
            this.listener = listener;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
                listener.failed(ctx.channel().remoteAddress(), done.cause());
            }
            super.userEventTriggered(ctx, evt);
        }
    }
}
