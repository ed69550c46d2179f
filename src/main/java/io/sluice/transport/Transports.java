package io.sluice.transport;

import io.sluice.transport.grpc.GrpcBuilder;
import io.sluice.transport.http.HttpBuilder;
import io.sluice.transport.internal.BuilderFactories;
import io.sluice.transport.kafka.KafkaBuilder;
import io.sluice.transport.rsocket.RSocketBuilder;
import io.sluice.transport.tcp.TcpBuilder;
import io.sluice.transport.udp.UdpBuilder;
import io.sluice.transport.websocket.WebSocketBuilder;
import io.sluice.transport.zmq.ZmqBuilder;

/**
 * Entry point to Sluice's network transports: TCP, UDP, HTTP and WebSocket on reactor-netty;
 * ZeroMQ (JeroMQ), gRPC (grpc-java), RSocket (rsocket-java) and Apache Kafka (kafka-clients). Each method returns a builder that yields a
 * {@link io.sluice.pipeline.Source Source&lt;Message&gt;} (server) and a
 * {@link io.sluice.pipeline.Sink Sink&lt;Message&gt;} (client), e.g.
 * {@code Transports.tcp().port(0).framing(Framing.lengthPrefixed()).source()}.
 *
 * <p>This class is the one way to obtain a builder: their constructors are package-private, so that
 * a builder's construction (defaults, the transport's checks) can change without breaking callers.
 * The facade reaches them through {@link BuilderFactories}, with which each builder registers its
 * constructor when its class is initialized.
 */
public final class Transports {

    private Transports() {
    }

    // --- reactor-netty transports ---

    /** @return a TCP transport builder (newline or length-prefixed framing) */
    public static TcpBuilder tcp() {
        return BuilderFactories.create(TcpBuilder.class);
    }

    /** @return a UDP transport builder (one datagram = one message) */
    public static UdpBuilder udp() {
        return BuilderFactories.create(UdpBuilder.class);
    }

    /** @return a unary HTTP transport builder (one POST body = one message) */
    public static HttpBuilder http() {
        return BuilderFactories.create(HttpBuilder.class);
    }

    /** @return a WebSocket transport builder (one frame = one message) */
    public static WebSocketBuilder websocket() {
        return BuilderFactories.create(WebSocketBuilder.class);
    }

    // --- end reactor-netty transports ---

    /** @return a ZeroMQ (JeroMQ) builder: PUSH/PULL, PUB/SUB, REQ/REP with Lazy Pirate */
    public static ZmqBuilder zmq() {
        return BuilderFactories.create(ZmqBuilder.class);
    }

    /** @return a gRPC builder: {@code sluice.v1.Ingest} server source and client sink */
    public static GrpcBuilder grpc() {
        return BuilderFactories.create(GrpcBuilder.class);
    }

    /** @return an Apache Kafka builder: producer sink and consumer-group source */
    public static KafkaBuilder kafka() {
        return BuilderFactories.create(KafkaBuilder.class);
    }

    /** @return an RSocket (TCP) builder: fire-and-forget and request-channel */
    public static RSocketBuilder rsocket() {
        return BuilderFactories.create(RSocketBuilder.class);
    }
}
