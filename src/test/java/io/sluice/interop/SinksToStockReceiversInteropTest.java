package io.sluice.interop;

import static io.sluice.interop.Interop.SIZES;
import static io.sluice.interop.Interop.UDP_SIZES;
import static io.sluice.interop.Interop.WAIT;

import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.transport.Transports;
import io.sluice.transport.rsocket.RSocketBuilder;
import io.sluice.transport.tcp.Framing;
import io.sluice.transport.zmq.ZmqSink;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A Sluice sink sends to a stock third-party receiver (socat listener, python3 with
 * http.server / websockets / grpcio / pyzmq, or the Python standard library where Debian has no
 * RSocket library) running the example of {@code docs/wire-formats.md}; what the receiver got is
 * compared byte for byte with what was sent. RESP: {@code io.sluice.transport.resp.PriorityQueueSinkTest}
 * reads the sink's queue with {@code redis-cli}.
 */
@Tag("interop")
class SinksToStockReceiversInteropTest {

    private final Interop interop = new Interop();

    @AfterEach
    void stop() throws Exception {
        interop.close();
    }

    /**
     * Starts {@code example} on a free port, waits until it listens, writes {@code sent} through the
     * sink made for that port, and waits for the receiver to end.
     */
    private void deliver(String example, boolean udp, List<byte[]> sent, IntFunction<Sink<Message>> sink) throws Exception {
        int port = udp ? Interop.freeUdpPort() : Interop.freeTcpPort();
        Process receiver = interop.start(example, Map.of("PORT", Integer.toString(port),
                "COUNT", Integer.toString(sent.size())));
        interop.awaitBound(port, udp, receiver, example);
        sink.apply(port).write(Flux.fromIterable(sent).map(Message::of)).block(WAIT);
        interop.await(receiver, example);
    }

    @Test
    void tcpNewlineToSocat() throws Exception {
        Interop.requireTool("socat", "socat");
        List<byte[]> sent = Interop.messages(20, SIZES, true);
        deliver("tcp-newline-receiver.sh", false, sent,
                port -> Transports.tcp().port(port).framing(Framing.newline()).sink());
        Interop.assertSameInOrder(List.of(Files.readAllBytes(interop.dir.resolve("received.txt"))),
                List.of(Interop.joinLines(sent, true)));
    }

    @Test
    void tcpLengthPrefixedToSocat() throws Exception {
        Interop.requireTool("socat", "socat");
        List<byte[]> sent = Interop.messages(20, SIZES, false);
        deliver("tcp-length-receiver.sh", false, sent,
                port -> Transports.tcp().port(port).framing(Framing.lengthPrefixed()).sink());
        ByteBuffer stream = ByteBuffer.wrap(Files.readAllBytes(interop.dir.resolve("received.bin")));
        List<byte[]> got = new ArrayList<>();
        while (stream.remaining() >= 4) {
            byte[] m = new byte[stream.getInt()];
            stream.get(m);
            got.add(m);
        }
        Interop.assertSameInOrder(got, sent);
        org.assertj.core.api.Assertions.assertThat(stream.remaining()).as("trailing bytes").isZero();
    }

    @Test
    void udpToPythonSocket() throws Exception {
        List<byte[]> sent = Interop.messages(10, UDP_SIZES, false);
        // UDP drops what a receiver's socket buffer cannot hold (a stock socket: about 200 KiB on
        // Linux, three 64 KiB datagrams): paced, one datagram every 5 ms, as a real sender would be
        deliver("udp-receiver.py", true, sent, port -> {
            Sink<Message> udp = Transports.udp().port(port).sink();
            return in -> udp.write(in.delayElements(Duration.ofMillis(5)));
        });
        Interop.assertSameInAnyOrder(interop.received(), sent);
    }

    @Test
    void httpToPythonHttpServer() throws Exception {
        List<byte[]> sent = Interop.messages(5, SIZES, false);
        deliver("http-receiver.py", false, sent, port -> Transports.http().port(port).sink());
        Interop.assertSameInAnyOrder(interop.received(), sent);
    }

    @Test
    void webSocketToPythonWebsockets() throws Exception {
        Interop.requirePython("websockets", "python3-websockets");
        List<byte[]> sent = Interop.messages(20, SIZES, false);
        deliver("websocket-receiver.py", false, sent, port -> Transports.websocket().port(port).sink());
        Interop.assertSameInOrder(interop.received(), sent);
    }

    @Test
    void grpcToGrpcioServer() throws Exception {
        Interop.requirePython("grpc", "python3-grpcio");
        Interop.requirePython("grpc_tools", "python3-grpc-tools");
        interop.generateGrpcStubs();
        List<byte[]> sent = Interop.messages(20, SIZES, false);
        deliver("grpc-receiver.py", false, sent, port -> Transports.grpc().port(port).sink());
        Interop.assertSameInOrder(interop.received(), sent);
    }

    /** Batching off: one envelope per gRPC message, on the receiver's SendStream. */
    @Test
    void grpcWithoutBatchingToGrpcioServer() throws Exception {
        Interop.requirePython("grpc", "python3-grpcio");
        Interop.requirePython("grpc_tools", "python3-grpc-tools");
        interop.generateGrpcStubs();
        List<byte[]> sent = Interop.messages(20, SIZES, false);
        deliver("grpc-receiver.py", false, sent, port -> Transports.grpc().port(port).batch(1, 1).sink());
        Interop.assertSameInOrder(interop.received(), sent);
    }

    /** Fire-and-forget mode; the receiver answers the sink's closing request-response barrier. */
    @Test
    void rsocketToPythonRSocketFrames() throws Exception {
        List<byte[]> sent = Interop.messages(20, SIZES, false);
        deliver("rsocket-receiver.py", false, sent,
                port -> Transports.rsocket().port(port).mode(RSocketBuilder.Mode.FIRE_AND_FORGET).sink());
        Interop.assertSameInOrder(interop.received(), sent);
    }

    /** RSocket over WebSocket, fire-and-forget mode, to a python3-websockets server decoding the frames. */
    @Test
    void rsocketOverWebSocketToPythonWebsockets() throws Exception {
        Interop.requirePython("websockets", "python3-websockets");
        List<byte[]> sent = Interop.messages(20, SIZES, false);
        deliver("rsocket-websocket-receiver.py", false, sent, port -> Transports.rsocket().port(port).webSocket(true)
                .mode(RSocketBuilder.Mode.FIRE_AND_FORGET).sink());
        Interop.assertSameInOrder(interop.received(), sent);
    }

    @Test
    void zmqPlainPushToPyzmqPull() throws Exception {
        Interop.requirePython("zmq", "python3-zmq");
        List<byte[]> sent = Interop.messages(20, SIZES, false);
        deliver("zmq-receiver.py", false, sent,
                port -> Transports.zmq().endpoint("tcp://127.0.0.1:" + port).plain(true).pushSink());
        Interop.assertSameInOrder(interop.received(), sent);
    }

    /**
     * PUB/SUB with its slow-joiner warm-up: the sink publishes topic "warmup" until the receiver
     * confirms one arrived (file {@code joined}), then the data under topic "data" (the key).
     */
    @Test
    void zmqPlainPubToPyzmqSub() throws Exception {
        Interop.requirePython("zmq", "python3-zmq");
        List<byte[]> sent = Interop.messages(20, SIZES, false);
        Path joined = interop.dir.resolve("joined");
        Flux<Message> warmUp = Flux.interval(Duration.ofMillis(10))
                .map(i -> Message.builder().key("warmup").build())
                .takeUntil(m -> Files.exists(joined))
                .take(WAIT.toMillis() / 10);
        Flux<Message> data = Flux.fromIterable(sent).map(p -> Message.builder().payload(p).key("data").build());
        ZmqSink pub = Transports.zmq().endpoint("tcp://127.0.0.1:*").plain(true).pubSink();
        Mono<Void> written = pub.write(Flux.concat(warmUp, data)).cache();
        written.subscribe(x -> { }, e -> { });
        String ep = pub.boundEndpoint().block(WAIT);
        Process receiver = interop.start("zmq-sub-receiver.py", Map.of("PORT", ep.substring(ep.lastIndexOf(':') + 1),
                "COUNT", Integer.toString(sent.size())));
        written.block(WAIT);
        interop.await(receiver, "zmq-sub-receiver.py");
        Interop.assertSameInOrder(interop.received(), sent);
    }
}
