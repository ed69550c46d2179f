package io.sluice.interop;

import static io.sluice.interop.Interop.SIZES;
import static io.sluice.interop.Interop.UDP_SIZES;
import static io.sluice.interop.Interop.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.transport.Transports;
import io.sluice.transport.internal.SkeletonSource;
import io.sluice.transport.tcp.Framing;
import io.sluice.transport.zmq.ZmqSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * A stock third-party client (socat, curl, python3 with websockets / grpcio / pyzmq, or the Python
 * standard library where Debian has no client) runs the example of {@code docs/wire-formats.md}
 * against a Sluice source; what the source emits is compared byte for byte with what was sent.
 * RESP is covered by {@code io.sluice.transport.resp.RespSourceTest} with {@code redis-cli}.
 */
@Tag("interop")
class StockClientsToSourcesInteropTest {

    private final Interop interop = new Interop();
    private final List<Message> got = new CopyOnWriteArrayList<>();
    private Disposable running;

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.dispose();
        }
        interop.close();
    }

    private int start(SkeletonSource source) {
        running = source.flux().subscribe(got::add);
        return source.boundAddress().block(WAIT).getPort();
    }

    private List<byte[]> awaitPayloads(int n) throws InterruptedException {
        Interop.waitFor(() -> got.size() >= n, n + " messages (got " + got.size() + ")");
        return got.stream().map(Message::payload).toList();
    }

    /** socat: 60 lines of 18, 4266 and 79435 B; the last one has no newline. */
    @Test
    void socatToTcpNewline() throws Exception {
        Interop.requireTool("socat", "socat");
        List<byte[]> sent = Interop.messages(20, SIZES, true);
        interop.writeLines(sent);
        int port = start(Transports.tcp().framing(Framing.newline()).source());
        interop.run("tcp-newline-client.sh", Map.of("PORT", Integer.toString(port)));
        Interop.assertSameInOrder(awaitPayloads(sent.size()), sent);
    }

    @Test
    void pythonSocketToTcpLengthPrefixed() throws Exception {
        List<byte[]> sent = Interop.messages(20, SIZES, false);
        interop.writeMessages(sent);
        int port = start(Transports.tcp().framing(Framing.lengthPrefixed()).source());
        interop.run("tcp-length-client.py", Map.of("PORT", Integer.toString(port)));
        Interop.assertSameInOrder(awaitPayloads(sent.size()), sent);
    }

    @Test
    void socatToUdp() throws Exception {
        Interop.requireTool("socat", "socat");
        List<byte[]> sent = Interop.messages(10, UDP_SIZES, false);
        interop.writeMessages(sent);
        int port = start(Transports.udp().source());
        interop.run("udp-client.sh", Map.of("PORT", Integer.toString(port)));
        Interop.assertSameInAnyOrder(awaitPayloads(sent.size()), sent);
    }

    @Test
    void curlToHttp() throws Exception {
        Interop.requireTool("curl", "curl");
        List<byte[]> sent = Interop.messages(5, SIZES, false);
        interop.writeMessages(sent);
        int port = start(Transports.http().source());
        interop.run("http-client.sh", Map.of("PORT", Integer.toString(port)));
        Interop.assertSameInAnyOrder(awaitPayloads(sent.size()), sent);
    }

    @Test
    void pythonWebsocketsToWebSocket() throws Exception {
        Interop.requirePython("websockets", "python3-websockets");
        List<byte[]> sent = Interop.messages(10, SIZES, false);
        interop.writeMessages(sent);
        int port = start(Transports.websocket().source());
        interop.run("websocket-client.py", Map.of("PORT", Integer.toString(port)));
        Interop.assertSameInOrder(awaitPayloads(sent.size()), sent);
    }

    @Test
    void grpcioToGrpc() throws Exception {
        Interop.requirePython("grpc", "python3-grpcio");
        Interop.requirePython("grpc_tools", "python3-grpc-tools");
        interop.generateGrpcStubs();
        List<byte[]> sent = Interop.messages(20, SIZES, false);
        interop.writeMessages(sent);
        int port = start(Transports.grpc().source());
        interop.run("grpc-client.py", Map.of("PORT", Integer.toString(port)));
        Interop.assertSameInOrder(awaitPayloads(sent.size()), sent);
    }

    /**
     * No RSocket client is packaged in Debian (rsocket-py and rsocket-js are on PyPI / npm only):
     * the client is the example's 20 lines of Python standard library that write RSocket 1.0 frames
     * (SETUP, then REQUEST_FNF without metadata and with routing metadata), an implementation
     * independent of rsocket-java.
     */
    @Test
    void pythonRSocketFramesToRSocket() throws Exception {
        List<byte[]> sent = Interop.messages(20, SIZES, false);
        interop.writeMessages(sent);
        int port = start(Transports.rsocket().fireAndForgetBuffer(sent.size()).source());
        interop.run("rsocket-client.py", Map.of("PORT", Integer.toString(port)));
        Interop.assertSameInOrder(awaitPayloads(sent.size()), sent);
        for (int i = 0; i < sent.size(); i++) {
            assertThat(got.get(i).headers()).as("message %s", i)
                    .isEqualTo(i % 2 == 0 ? Map.of() : Map.of("route", "ingest"));
        }
    }

    /**
     * RSocket over WebSocket: the same frames as over TCP, each in one binary WebSocket message
     * without the 24-bit length, sent by python3-websockets to a source with {@code webSocket(true)}.
     */
    @Test
    void pythonWebsocketsRSocketFramesToRSocketOverWebSocket() throws Exception {
        Interop.requirePython("websockets", "python3-websockets");
        List<byte[]> sent = Interop.messages(20, SIZES, false);
        interop.writeMessages(sent);
        int port = start(Transports.rsocket().webSocket(true).fireAndForgetBuffer(sent.size()).source());
        interop.run("rsocket-websocket-client.py", Map.of("PORT", Integer.toString(port)));
        Interop.assertSameInOrder(awaitPayloads(sent.size()), sent);
        for (int i = 0; i < sent.size(); i++) {
            assertThat(got.get(i).headers()).as("message %s", i)
                    .isEqualTo(i % 2 == 0 ? Map.of() : Map.of("route", "ingest"));
        }
    }

    /**
     * RSocket over WebSocket, request-channel: the Python client sends the first payload with
     * REQUEST_CHANNEL and the others only as the source grants them (REQUEST_N), then completes.
     */
    @Test
    void pythonWebsocketsRSocketChannelToRSocketOverWebSocket() throws Exception {
        Interop.requirePython("websockets", "python3-websockets");
        List<byte[]> sent = Interop.messages(20, SIZES, false);
        interop.writeMessages(sent);
        int port = start(Transports.rsocket().webSocket(true).source());
        interop.run("rsocket-websocket-channel-client.py", Map.of("PORT", Integer.toString(port)));
        Interop.assertSameInOrder(awaitPayloads(sent.size()), sent);
        assertThat(got).allSatisfy(m -> assertThat(m.headers()).isEmpty());
    }

    @Test
    void pyzmqPushToZmqPull() throws Exception {
        Interop.requirePython("zmq", "python3-zmq");
        List<byte[]> sent = Interop.messages(20, SIZES, false);
        interop.writeMessages(sent);
        ZmqSource source = Transports.zmq().endpoint("tcp://127.0.0.1:*").pullSource();
        running = source.flux().subscribe(got::add);
        String ep = source.boundEndpoint().block(WAIT);
        interop.run("zmq-client.py", Map.of("PORT", ep.substring(ep.lastIndexOf(':') + 1)));
        Interop.assertSameInOrder(awaitPayloads(sent.size()), sent);
        assertThat(got).allSatisfy(m -> assertThat(m.headers()).isEmpty());
    }

    /**
     * PUB/SUB with its slow-joiner warm-up: the publisher sends topic "warmup" until the source has
     * received one (this test then creates the file {@code joined}), then the data under topic "data",
     * which becomes the message key.
     */
    @Test
    void pyzmqPubToZmqSub() throws Exception {
        Interop.requirePython("zmq", "python3-zmq");
        List<byte[]> sent = Interop.messages(20, SIZES, false);
        interop.writeMessages(sent);
        int port = Interop.freeTcpPort();
        Process client = interop.start("zmq-pub-client.py", Map.of("PORT", Integer.toString(port)));
        interop.awaitBound(port, false, client, "zmq-pub-client.py");
        Path joined = interop.dir.resolve("joined");
        ZmqSource source = Transports.zmq().endpoint("tcp://127.0.0.1:" + port).subSource();
        running = source.flux()
                .doOnNext(m -> {
                    if (m.key().orElse("").equals("warmup") && !Files.exists(joined)) {
                        try {
                            Files.writeString(joined, "");
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                })
                .filter(m -> !m.key().orElse("").equals("warmup"))
                .subscribe(got::add);
        interop.await(client, "zmq-pub-client.py");
        Interop.assertSameInOrder(awaitPayloads(sent.size()), sent);
        assertThat(got).allSatisfy(m -> {
            assertThat(m.key()).contains("data");
            assertThat(m.headers()).isEmpty();
        });
    }
}
