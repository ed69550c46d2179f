package io.sluice.transport.zmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import io.sluice.event.ConnectionError;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.Transports;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The plain single-frame format next to Sluice's two-frame format (see {@code WireFormat}). */
class ZmqPlainFormatTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void pullSourceAcceptsPlainSingleFramesNextToSluiceFrames() throws Exception {
        EventDispatcher events = new EventDispatcher();
        List<ConnectionError> errors = new CopyOnWriteArrayList<>();
        events.on(ConnectionError.class, errors::add);
        ZmqSource source = Transports.zmq().endpoint("tcp://127.0.0.1:*").events(events).pullSource();
        Mono<List<Message>> got = source.flux().take(4).collectList().cache();
        got.subscribe();
        String ep = source.boundEndpoint().block(WAIT);
        byte[] big = ZmqTransportTest.payload(3, 79435);
        Message withMeta = ZmqTransportTest.message(7, 4266);
        try (ZContext ctx = new ZContext()) {
            ZMQ.Socket push = ZmqTestPeers.connectedPush(ctx, ep, WAIT);
            push.send("plain, as pyzmq's send(b'...') sends it".getBytes(StandardCharsets.UTF_8), 0);
            push.send(WireFormat.meta(withMeta), ZMQ.SNDMORE);
            push.send(withMeta.payload(), 0);
            push.send(big, 0);
            // a plain payload that happens to look like Sluice metadata is still just a payload
            push.send(WireFormat.meta(withMeta), 0);
            List<Message> list = got.block(WAIT);
            assertThat(list).hasSize(4);
            assertThat(list.get(0).payloadUtf8()).isEqualTo("plain, as pyzmq's send(b'...') sends it");
            assertThat(list.get(0).headers()).isEmpty();
            assertThat(list.get(0).key()).isEmpty();
            ZmqTransportTest.assertIntact(list.get(1), 4266);
            assertThat(list.get(2).payload()).isEqualTo(big);
            assertThat(list.get(2).headers()).isEmpty();
            assertThat(list.get(3).payload()).isEqualTo(WireFormat.meta(withMeta));
        }
        assertThat(errors).isEmpty();
        assertThat(source.metrics().errors()).isZero();
    }

    @Test
    void plainPushSinkSendsOnlyThePayloadFrame() throws Exception {
        try (ZContext ctx = new ZContext()) {
            ZMQ.Socket pull = ctx.createSocket(SocketType.PULL);
            pull.setReceiveTimeOut((int) WAIT.toMillis());
            int port = pull.bindToRandomPort("tcp://127.0.0.1");
            ZmqSink sink = Transports.zmq().endpoint("tcp://127.0.0.1:" + port).plain(true).pushSink();
            sink.write(Flux.range(0, 3).map(i -> ZmqTransportTest.message(i, 18 + i * 4248))).block(WAIT);
            for (int i = 0; i < 3; i++) {
                List<byte[]> frames = ZmqSockets.receive(pull);
                assertThat(frames).as("message %s", i).isNotNull().hasSize(1);
                assertThat(frames.get(0)).isEqualTo(ZmqTransportTest.payload(i, 18 + i * 4248));
            }
        }
    }

    @Test
    void plainPubSinkSendsTopicAndPayloadFrames() {
        ZmqSink pub = Transports.zmq().endpoint("tcp://127.0.0.1:*").plain(true).topic(m -> "t").pubSink();
        Mono<Void> published = pub.write(Flux.interval(Duration.ofMillis(10)).take(1000)
                .map(i -> Message.ofUtf8("p" + i))).cache();
        published.subscribe(x -> { }, e -> { });
        String ep = pub.boundEndpoint().block(WAIT);
        try (ZContext ctx = new ZContext()) {
            ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
            sub.setReceiveTimeOut((int) WAIT.toMillis());
            // JeroMQ 0.6.0 occasionally stalls a fresh connection's handshake: drop it and reconnect
            sub.setHandshakeIvl(1000);
            sub.subscribe(new byte[0]);
            sub.connect(ep);
            List<byte[]> frames = ZmqSockets.receive(sub);
            assertThat(frames).isNotNull().hasSize(2);
            assertThat(new String(frames.get(0), StandardCharsets.UTF_8)).isEqualTo("t");
            assertThat(new String(frames.get(1), StandardCharsets.UTF_8)).startsWith("p");
        }
    }

    @Test
    void replyServerAnswersAPlainRequestPlainly() {
        ZmqReplyServer server = Transports.zmq().endpoint("tcp://127.0.0.1:*")
                .replyServer(m -> Mono.just(Message.ofUtf8("echo " + m.payloadUtf8() + " " + m.headers().size())))
                .start();
        try (ZContext ctx = new ZContext()) {
            ZMQ.Socket req = ctx.createSocket(SocketType.REQ);
            req.setReceiveTimeOut((int) WAIT.toMillis());
            req.setHandshakeIvl(1000);
            req.connect(server.endpoint());
            req.send("ping");
            List<byte[]> reply = ZmqSockets.receive(req);
            assertThat(reply).isNotNull().hasSize(1);
            assertThat(new String(reply.get(0), StandardCharsets.UTF_8)).isEqualTo("echo ping 0");
        } finally {
            server.dispose();
        }
    }

    @Test
    void framesCountTellsTheFormatsApart() {
        Message m = ZmqTransportTest.message(1, 18);
        byte[] meta = WireFormat.meta(m);
        byte[] payload = m.payload();
        byte[] topic = "t".getBytes(StandardCharsets.UTF_8);
        // PULL
        assertThat(WireFormat.decode(List.of(payload), 0).headers()).isEmpty();
        assertThat(WireFormat.decode(List.of(meta, payload), 0).header("idx")).contains("1");
        // SUB: [payload] (topic inside the payload), [topic, payload], [topic, meta, payload]
        assertThat(WireFormat.decode(List.of(payload), 1).payload()).isEqualTo(payload);
        assertThat(WireFormat.decode(List.of(topic, payload), 1).payload()).isEqualTo(payload);
        assertThat(WireFormat.decode(List.of(topic, payload), 1).key()).contains("t");
        assertThat(WireFormat.decode(List.of(new byte[0], payload), 1).key()).isEmpty();
        assertThat(WireFormat.decode(List.of(payload), 1).key()).isEmpty();
        assertThat(WireFormat.decode(List.of(topic, meta, payload), 1).header("idx")).contains("1");
        List<byte[]> four = new ArrayList<>(List.of(topic, meta, payload, payload));
        assertThatThrownBy(() -> WireFormat.decode(four, 1)).hasMessageContaining("got 4");
        assertThatThrownBy(() -> WireFormat.decode(List.of(meta, payload, payload), 0)).hasMessageContaining("got 3");
    }

}
