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
 * A zero idle timeout or keepalive time leaves grpc-java's default (never; 2 h).
 *
 * @param idleTimeout longest time without calls
 * @param keepAliveTime silence before the server pings
 * @param keepAliveTimeout longest wait for the ping's answer
 * @param permitKeepAliveTime shortest client ping interval
 */
record GrpcLiveness(Duration idleTimeout, Duration keepAliveTime, Duration keepAliveTimeout,
                    Duration permitKeepAliveTime) {

    NettyServerBuilder apply(NettyServerBuilder b) {
        if (!idleTimeout.isZero()) {
            b.maxConnectionIdle(idleTimeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        if (!keepAliveTime.isZero()) {
            b.keepAliveTime(keepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
                    .keepAliveTimeout(keepAliveTimeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        return b.permitKeepAliveTime(permitKeepAliveTime.toNanos(), TimeUnit.NANOSECONDS);
    }
}
