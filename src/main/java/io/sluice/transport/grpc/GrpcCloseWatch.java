package io.sluice.transport.grpc;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.ChannelDuplexHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelPromise;
import io.sluice.transport.internal.ServerSkeleton;
import java.nio.charset.StandardCharsets;

/**
 * Why grpc-java's server closed a connection, for the {@code ConnectionClosed} reason and the
 * {@code sluice_transport_connections_closed_total{reason}} count, as the other transports report theirs:
 * {@code keepalive} when the server's keepalive PING went unanswered (grpc-java closes then, after
 * {@code keepAliveTimeout}), {@code idle} when it sent the {@code max_idle} GOAWAY
 * ({@code maxConnectionIdle}, Sluice's {@code idleTimeout}). grpc-java tells neither to its transport
 * filters, so this handler sits in each connection's pipeline where the server's HTTP/2 frames pass in
 * plaintext (behind the {@code SslHandler} over TLS) and follows the frame headers of what the server
 * writes (RFC 9113 section 4.1: 9-byte header, then the payload), and notes whether anything was read
 * after the last keepalive PING. The PING payload ({@code 0xDEAD}) and the GOAWAY debug text
 * ({@code max_idle}) are grpc-java's own (checked against grpc-netty-shaded 1.83; {@code GrpcLivenessTest}
 * fails when they change).
 */
final class GrpcCloseWatch extends ChannelDuplexHandler {

    private static final int HEADER = 9;
    private static final int PING = 0x6;
    private static final int GOAWAY = 0x7;
    private static final int ACK = 0x1;
    private static final long KEEPALIVE_PING = 0xDEADL;
    private static final byte[] MAX_IDLE = "max_idle".getBytes(StandardCharsets.US_ASCII);
    /** Payload bytes kept of a PING or GOAWAY frame: PING's 8, GOAWAY's 8 + its debug text. */
    private static final int KEPT = 8 + 16;

    private final ServerSkeleton.Binding binding;
    private final byte[] header = new byte[HEADER];
    private int headerFill;
    private int type;
    private int flags;
    private long payloadLeft;
    private final byte[] kept = new byte[KEPT];
    private int keptFill;
    private int keptWanted;
    private boolean pingUnanswered;
    private boolean idleGoAway;
    private String remote = "?";

    private final long keepAliveTimeoutNanos;
    private long pingSentAt;

    /**
     * @param binding the subscription whose {@code reasons()} are told
     * @param keepAliveTimeout grpc-java's wait for a keepalive PING's answer
     */
    GrpcCloseWatch(ServerSkeleton.Binding binding, java.time.Duration keepAliveTimeout) {
        this.binding = binding;
        this.keepAliveTimeoutNanos = keepAliveTimeout.toNanos();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf b && b.isReadable()) {
            pingUnanswered = false; // grpc-java counts any frame read as the peer being alive
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof ByteBuf b) {
            follow(b);
        }
        super.write(ctx, msg, promise);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        remote = String.valueOf(ctx.channel().remoteAddress());
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        // grpc-java closes keepAliveTimeout after its PING; a close earlier is for something else
        // (a stop, the handshake timeout of a connection never reported open)
        if (!idleGoAway && pingUnanswered && System.nanoTime() - pingSentAt >= keepAliveTimeoutNanos * 9 / 10) {
            binding.reasons().mark(remote, "keepalive");
        }
        super.close(ctx, promise);
    }

    /** Follows the outbound HTTP/2 frames through {@code b} without consuming it. */
    private void follow(ByteBuf b) {
        int i = b.readerIndex();
        int end = b.writerIndex();
        while (i < end) {
            if (payloadLeft == 0 && headerFill < HEADER) {
                int n = Math.min(HEADER - headerFill, end - i);
                b.getBytes(i, header, headerFill, n);
                headerFill += n;
                i += n;
                if (headerFill == HEADER) {
                    startFrame();
                }
                continue;
            }
            int n = (int) Math.min(payloadLeft, end - i);
            int keep = Math.min(n, keptWanted - keptFill);
            if (keep > 0) {
                b.getBytes(i, kept, keptFill, keep);
                keptFill += keep;
            }
            i += n;
            payloadLeft -= n;
            if (payloadLeft == 0) {
                endFrame();
            }
        }
    }

    private void startFrame() {
        payloadLeft = ((header[0] & 0xFFL) << 16) | ((header[1] & 0xFFL) << 8) | (header[2] & 0xFFL);
        type = header[3] & 0xFF;
        flags = header[4] & 0xFF;
        keptFill = 0;
        keptWanted = type == PING || type == GOAWAY ? (int) Math.min(KEPT, payloadLeft) : 0;
        if (payloadLeft == 0) {
            endFrame();
        }
    }

    private void endFrame() {
        headerFill = 0;
        if (type == PING && (flags & ACK) == 0 && keptFill == 8 && longAt(0) == KEEPALIVE_PING) {
            if (!pingUnanswered) {
                pingSentAt = System.nanoTime();
            }
            pingUnanswered = true;
        } else if (type == GOAWAY && !idleGoAway && debugTextIsMaxIdle()) {
            // the connection ends now, whoever closes it: the client on the GOAWAY, or the server
            idleGoAway = true;
            binding.reasons().mark(remote, "idle");
        }
    }

    private boolean debugTextIsMaxIdle() {
        if (keptFill != 8 + MAX_IDLE.length) {
            return false;
        }
        for (int j = 0; j < MAX_IDLE.length; j++) {
            if (kept[8 + j] != MAX_IDLE[j]) {
                return false;
            }
        }
        return true;
    }

    private long longAt(int at) {
        long v = 0;
        for (int j = 0; j < 8; j++) {
            v = (v << 8) | (kept[at + j] & 0xFFL);
        }
        return v;
    }
}
