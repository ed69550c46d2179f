package io.sluice.transport.grpc;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC source's liveness limits, applied to grpc-java's server: {@code idleTimeout} becomes
 * {@code maxConnectionIdle} (a connection without open calls for that long gets GOAWAY and is
 * closed), {@code keepAliveTime}/{@code keepAliveTimeout} make the server ping a silent connection
 * and close it when the ping is not answered, and {@code permitKeepAliveTime} is the shortest
 * client ping interval accepted (more often: {@code GOAWAY ENHANCE_YOUR_CALM "too_many_pings"}).
 * A zero idle timeout or keepalive time leaves grpc-java's default (never; 2 h). {@code handshakeTimeout}
 * closes a connection whose TLS or HTTP/2 handshake (client preface and first SETTINGS) is not done in
 * time (grpc-java's own default: 120 s).
 *
 * <p>Which limit closes which silent peer: a peer that never finishes its handshake, the handshake
 * timeout; a peer that finished it and then answers nothing, not even PINGs, keepalive
 * ({@code keepAliveTime} + {@code keepAliveTimeout}; grpc-java's smallest keepalive time is 10 s); a peer
 * that answers PINGs but never opens a call, {@code maxConnectionIdle} (its GOAWAY is followed by a PING:
 * a peer that does not answer that one is closed 10 s later, grpc-java's fixed grace).
 *
 * @param idleTimeout longest time without calls
 * @param keepAliveTime silence before the server pings
 * @param keepAliveTimeout longest wait for the ping's answer
 * @param permitKeepAliveTime shortest client ping interval
 * @param handshakeTimeout longest TLS + HTTP/2 handshake
 */
record GrpcLiveness(Duration idleTimeout, Duration keepAliveTime, Duration keepAliveTimeout,
                    Duration permitKeepAliveTime, Duration handshakeTimeout) {

    NettyServerBuilder apply(NettyServerBuilder b) {
        if (!idleTimeout.isZero()) {
            b.maxConnectionIdle(idleTimeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        if (!keepAliveTime.isZero()) {
            b.keepAliveTime(keepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
                    .keepAliveTimeout(keepAliveTimeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        return b.permitKeepAliveTime(permitKeepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
                .handshakeTimeout(handshakeTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }
}
