package io.sluice.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.transport.Transports;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import reactor.core.Disposable;

/**
 * A message over {@code maxFrameLength} is always closed with status 1009 and a reason naming the
 * limit, also when it arrives as fragments each within the limit, followed at once (same write) by
 * more data: a raw client (like a fast third-party sender) writes everything before reading the
 * answer. That holds for a single frame over the limit too (refused by Netty's decoder, which must not
 * close the socket itself with the peer's data unread: the kernel would answer with a TCP reset and
 * the peer see 1006 without a reason). See {@code TransportErrorsTest} for both cases with the JDK's
 * WebSocket client.
 */
class WebSocketOversizeTest {

    private Disposable running;

    @AfterEach
    void stop() {
        if (running != null) {
            running.dispose();
        }
    }

    private int start() {
        WebSocketSource source = Transports.websocket().maxFrameLength(1000).source();
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        running = source.flux().subscribe(got::add);
        return source.boundAddress().block(Duration.ofSeconds(10)).getPort();
    }

    private static byte[] then(byte[] first, int moreFrames) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(first);
        for (int i = 0; i < moreFrames; i++) {
            b.writeBytes(RawWebSocket.frame(true, RawWebSocket.BINARY, new byte[900]));
        }
        return b.toByteArray();
    }

    @RepeatedTest(5)
    void oversizedFragmentedMessageFollowedByMoreDataIsClosed1009() throws Exception {
        int port = start();
        ByteArrayOutputStream fragments = new ByteArrayOutputStream();
        fragments.writeBytes(RawWebSocket.frame(false, RawWebSocket.BINARY, new byte[600]));
        fragments.writeBytes(RawWebSocket.frame(false, RawWebSocket.CONTINUATION, new byte[600]));
        fragments.writeBytes(RawWebSocket.frame(true, RawWebSocket.CONTINUATION, new byte[600]));
        try (RawWebSocket ws = new RawWebSocket(port, "/ws")) {
            ws.send(then(fragments.toByteArray(), 200));
            assertThat(ws.readClose()).startsWith("1009 ").contains("1000");
        }
    }

    @RepeatedTest(5)
    void oversizedSingleFrameFollowedByMoreDataIsClosed1009() throws Exception {
        int port = start();
        try (RawWebSocket ws = new RawWebSocket(port, "/ws")) {
            ws.send(then(RawWebSocket.frame(true, RawWebSocket.BINARY, new byte[5000]), 200));
            assertThat(ws.readClose()).startsWith("1009 ").contains("1000");
        }
    }
}
