package io.sluice.transport.udp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;

/**
 * Turns an error raised on the read side of the UDP sink's connected socket into a failure of the
 * write. Linux reports an ICMP error (port unreachable when the receiver stopped, host or network
 * unreachable) on a connected datagram socket as a pending socket error that the next system call
 * on the socket returns, and then clears: a send fails with it, but so does a receive. With Netty's
 * epoll transport the error also wakes the channel for reading (EPOLLERR, even with auto-read off),
 * and the receive usually gets it first: measured here, 174 of the errors came to
 * {@code exceptionCaught} as {@code recvAddress(..) failed: Connection refused} and only 13 of 200
 * sends to a closed port failed. (With the NIO transport the sink does not read and every second
 * send failed.) The sink never reads, so any exception on its channel is a socket error: it ends
 * the write, the sink's connection is closed, and a resilient sink reconnects.
 */
final class SocketErrors extends ChannelInboundHandlerAdapter {

    static final String NAME = "sluice.udpSocketErrors";

    private final Sinks.Empty<Void> failed = Sinks.empty();

    /** @param c the sink's connection: this handler is added in front of reactor-netty's bridge */
    void install(Connection c) {
        c.addHandlerLast(NAME, this);
    }

    /** @return errors with the first socket error caught on the channel; never completes otherwise */
    Mono<Void> failure() {
        return failed.asMono();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // consumed here: reported once, as the failure of the write
        failed.tryEmitError(cause);
    }
}
