package io.sluice.bench.transport;

import io.sluice.transport.Transports;
import io.sluice.transport.ServerSource;
import io.sluice.transport.grpc.GrpcBuilder;
import io.sluice.transport.rsocket.RSocketBuilder;
import io.sluice.transport.tcp.Framing;
import io.sluice.transport.tls.TlsOptions;
import io.sluice.transport.zmq.ZmqSource;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * Every row of the transport table: Sluice's transports, then the raw-library baselines. Each
 * knows the talk's row it is compared with (or none) and the largest message it can carry.
 */
enum Transport {
    HTTP_UNARY("unary HTTP", "unary HTTP", Integer.MAX_VALUE, () -> sluice(Transports.http().source(),
            p -> Transports.http().port(p).concurrency(1).sink(), false)),
    UDP_UNARY("unary UDP (socket per datagram)", "unary UDP", UdpLimit.MAX, () -> sluice(Transports.udp().source(),
            p -> Transports.udp().port(p).sink(), true)),
    GRPC_UNARY("unary gRPC", "unary gRPC", Integer.MAX_VALUE, () -> sluice(Transports.grpc().source(),
            p -> Transports.grpc().port(p).mode(GrpcBuilder.Mode.UNARY).unaryConcurrency(1).sink(), false)),
    TCP_LENGTH("streaming TCP, length-prefixed", "streaming TCP", Integer.MAX_VALUE, () -> sluice(
            Transports.tcp().framing(Framing.lengthPrefixed()).source(),
            p -> Transports.tcp().port(p).framing(Framing.lengthPrefixed()).sink(), false)),
    TCP_NEWLINE("streaming TCP, newline", "streaming TCP", Integer.MAX_VALUE, () -> sluice(
            Transports.tcp().framing(Framing.newline()).source(),
            p -> Transports.tcp().port(p).framing(Framing.newline()).sink(), false)),
    UDP_STREAM("streaming UDP (one socket)", "streaming UDP", UdpLimit.MAX, () -> sluice(Transports.udp().source(),
            p -> Transports.udp().port(p).sink(), false)),
    WEBSOCKET("streaming WebSocket", "streaming WebSocket", Integer.MAX_VALUE, () -> sluice(
            Transports.websocket().source(), p -> Transports.websocket().port(p).sink(), false)),
    GRPC_STREAM("streaming gRPC", "streaming gRPC", Integer.MAX_VALUE, () -> sluice(Transports.grpc().source(),
            p -> Transports.grpc().port(p).mode(GrpcBuilder.Mode.STREAM).sink(), false)),
    TCP_LENGTH_TLS_OPENSSL("streaming TCP, length-prefixed, TLS (OpenSSL)", null, Integer.MAX_VALUE,
            () -> tcpTls(TlsOptions.Engine.OPENSSL)),
    TCP_LENGTH_TLS_JDK("streaming TCP, length-prefixed, TLS (JDK)", null, Integer.MAX_VALUE,
            () -> tcpTls(TlsOptions.Engine.JDK)),
    GRPC_STREAM_TLS_OPENSSL("streaming gRPC, TLS (OpenSSL)", null, Integer.MAX_VALUE,
            () -> grpcTls(TlsOptions.Engine.OPENSSL)),
    GRPC_STREAM_TLS_JDK("streaming gRPC, TLS (JDK)", null, Integer.MAX_VALUE, () -> grpcTls(TlsOptions.Engine.JDK)),
    RSOCKET_CHANNEL("RSocket request-channel", null, Integer.MAX_VALUE, () -> sluice(
            Transports.rsocket().mode(RSocketBuilder.Mode.CHANNEL).source(),
            p -> Transports.rsocket().port(p).mode(RSocketBuilder.Mode.CHANNEL).sink(), false)),
    RSOCKET_FNF("RSocket fire-and-forget", null, Integer.MAX_VALUE, () -> sluice(
            Transports.rsocket().mode(RSocketBuilder.Mode.FIRE_AND_FORGET).source(),
            p -> Transports.rsocket().port(p).mode(RSocketBuilder.Mode.FIRE_AND_FORGET).sink(), false)),
    ZMQ_PUSH_PULL("ZeroMQ PUSH/PULL", null, Integer.MAX_VALUE, Transport::zmq),
    RAW_NETTY_TCP("baseline: raw reactor-netty TCP, length-prefixed", null, Integer.MAX_VALUE, RawNettyTcpLane::new),
    RAW_GRPC_STREAM("baseline: raw grpc-java client streaming", null, Integer.MAX_VALUE, RawGrpcLane::new),
    RAW_NETTY_HTTP("baseline: raw reactor-netty unary HTTP", null, Integer.MAX_VALUE, RawNettyHttpLane::new);

    final String label;
    final String talkRow;
    final int maxSize;
    final Supplier<Lane> lane;

    Transport(String label, String talkRow, int maxSize, Supplier<Lane> lane) {
        this.label = label;
        this.talkRow = talkRow;
        this.maxSize = maxSize;
        this.lane = lane;
    }

    boolean baseline() {
        return name().startsWith("RAW_");
    }

    /** @return for a TLS row, the plaintext row it is compared with; null otherwise */
    Transport plaintext() {
        int i = name().indexOf("_TLS_");
        return i < 0 ? null : valueOf(name().substring(0, i));
    }

    /** @return true for datagram transports, which may lose messages (reported as loss %) */
    boolean lossy() {
        return name().startsWith("UDP_");
    }

    private static Lane sluice(ServerSource source, java.util.function.IntFunction<io.sluice.pipeline.Sink<io.sluice.Message>> sink,
                               boolean sinkPerMessage) {
        return new SluiceLane(source, source.boundAddress().map(a -> a.getPort()), sink, sinkPerMessage);
    }

    private static Lane tcpTls(TlsOptions.Engine engine) {
        return sluice(Transports.tcp().framing(Framing.lengthPrefixed()).tls(BenchTls.server(engine)).source(),
                p -> Transports.tcp().port(p).framing(Framing.lengthPrefixed()).tls(BenchTls.client(engine)).sink(),
                false);
    }

    private static Lane grpcTls(TlsOptions.Engine engine) {
        return sluice(Transports.grpc().tls(BenchTls.server(engine)).source(),
                p -> Transports.grpc().port(p).mode(GrpcBuilder.Mode.STREAM).tls(BenchTls.client(engine)).sink(), false);
    }

    private static Lane zmq() {
        ZmqSource pull = Transports.zmq().endpoint("tcp://127.0.0.1:*").bind(true).pullSource();
        Mono<Integer> port = pull.boundEndpoint().map(e -> Integer.parseInt(e.substring(e.lastIndexOf(':') + 1)));
        return new SluiceLane(pull, port,
                p -> Transports.zmq().endpoint("tcp://127.0.0.1:" + p).bind(false).pushSink(), false);
    }

    /** The largest payload one unsequenced datagram carries. */
    private static final class UdpLimit {
        static final int MAX = Transports.udp().maxPayload();
    }
}
