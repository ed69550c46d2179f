package io.sluice.transport.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/** The {@code resp} sink (a Redis-protocol client) against a real {@code resp} source. */
class RespClientSinkTest {

    private final List<Message> received = new CopyOnWriteArrayList<>();
    private Disposable running;
    private int port;

    @BeforeEach
    void start() {
        RespSource source = RespSource.builder().port(0).events(new EventDispatcher()).build();
        running = source.flux().subscribe(received::add);
        port = source.boundAddress().map(InetSocketAddress::getPort).block(Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        running.dispose();
    }

    private static Message line(String text) {
        return Message.builder().payload(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)).build();
    }

    @Test
    void eachPayloadIsSentAsOneCommandAndErrorRepliesAreCounted() throws Exception {
        RespClientSink sink = RespClientSink.builder().port(port).build();
        sink.write(Flux.just(line("UPDATE send-invoice 10"), line("  RPUSH mail welcome-anna   welcome-ben\n"),
                line("UPDATE only-an-item"), line("update resize-photos 5"))).block(Duration.ofSeconds(10));
        RedisCli.await(() -> received.size() >= 4, "4 messages");
        assertThat(received).extracting(Message::payloadUtf8)
                .containsExactly("send-invoice", "welcome-anna", "welcome-ben", "resize-photos");
        assertThat(received.get(0).headers()).containsEntry("priority", "10");
        assertThat(received.get(1).headers()).containsEntry("key", "mail");
        // the wrong-arity UPDATE was answered -ERR: counted, the connection went on
        RedisCli.await(() -> sink.errorReplies() == 1, "one error reply");
        assertThat(sink.metrics().errors()).isEqualTo(1);
        assertThat(sink.metrics().messages()).isEqualTo(4);
    }

    @Test
    void aBlankPayloadFailsTheWriteAndSendsNothing() throws Exception {
        RespClientSink sink = RespClientSink.builder().port(port).build();
        assertThatThrownBy(() -> sink.write(Flux.just(line(" \n"), line("UPDATE never 1"))).block(Duration.ofSeconds(10)))
                .hasMessageContaining("blank payload");
        // positive control on a new write: it arrives, and nothing from the failed write came before it
        sink.write(Flux.just(line("UPDATE control 1"))).block(Duration.ofSeconds(10));
        RedisCli.await(() -> !received.isEmpty(), "the control message");
        assertThat(received).extracting(Message::payloadUtf8).containsExactly("control");
    }
}
