package io.sluice.transport;

import io.sluice.transport.grpc.GrpcBuilder;
import io.sluice.transport.rsocket.RSocketBuilder;
import io.sluice.transport.zmq.ZmqBuilder;

/**
 * Entry point to Sluice's messaging transports (ZeroMQ, gRPC, RSocket). Each method returns a
 * builder that yields sources (servers / receiving sockets) and sinks (clients / sending sockets)
 * of {@link io.sluice.Message}, e.g.
 * {@code MessagingTransports.zmq().endpoint("tcp://127.0.0.1:*").pullSource()}.
 */
public final class MessagingTransports {

    private MessagingTransports() {
    }

    /** @return a ZeroMQ (JeroMQ) builder: PUSH/PULL, PUB/SUB, REQ/REP with Lazy Pirate */
    public static ZmqBuilder zmq() {
        return new ZmqBuilder();
    }

    /** @return a gRPC builder: {@code sluice.v1.Ingest} server source and client sink */
    public static GrpcBuilder grpc() {
        return new GrpcBuilder();
    }

    /** @return an RSocket (TCP) builder: fire-and-forget and request-channel */
    public static RSocketBuilder rsocket() {
        return new RSocketBuilder();
    }
}
