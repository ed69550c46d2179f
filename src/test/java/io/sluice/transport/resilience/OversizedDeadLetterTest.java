package io.sluice.transport.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Ack;
import io.sluice.Message;
import io.sluice.event.DeadLettered;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.Transports;
import io.sluice.transport.tcp.Framing;
import io.sluice.transport.tcp.TcpSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Issue 17: a message too large for the sink's framing goes to the dead-letter file with the reason,
 * is acknowledged, and the messages around it are delivered, each connection's in order (the ones
 * after it over a new connection); without a dead-letter file it fails the write as before.
 */
class OversizedDeadLetterTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void anOversizedMessageIsDeadLetteredAndTheOthersDelivered(@TempDir Path dir) throws Exception {
        TcpSource source = Transports.tcp().port(0).framing(Framing.lengthPrefixed()).source();
        List<String> got = new CopyOnWriteArrayList<>();
        Disposable receiving = source.flux().subscribe(m -> got.add(m.payloadUtf8()));
        try {
            int port = source.boundAddress().block(WAIT).getPort();
            DeadLetterFile file = new DeadLetterFile(dir.resolve("dead.log"));
            EventDispatcher events = new EventDispatcher();
            List<DeadLettered> seen = new CopyOnWriteArrayList<>();
            events.on(DeadLettered.class, seen::add);
            ResilientSink sink = new ResilientSink(Transports.tcp().port(port).framing(Framing.lengthPrefixed())
                    .maxFrameLength(100).sink(), "tcp", null, file, events);
            AtomicInteger acked = new AtomicInteger();
            String big = "x".repeat(101);
            Flux<Message> input = Flux.just("a", "b", big, "c", "d")
                    .map(s -> Message.ofUtf8(s).withAck(Ack.once(acked::incrementAndGet)));
            sink.write(input).block(WAIT);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (got.size() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            // a and b travel on the first connection, c and d on the second: the source reads the two
            // connections on their own event loops, so only the order within each is guaranteed.
            assertThat(got).containsExactlyInAnyOrder("a", "b", "c", "d");
            assertThat(got.indexOf("a")).as("a before b (first connection)").isLessThan(got.indexOf("b"));
            assertThat(got.indexOf("c")).as("c before d (second connection)").isLessThan(got.indexOf("d"));
            assertThat(acked).as("every message acknowledged, the dead-lettered one too").hasValue(5);
            assertThat(sink.deadLettered()).isEqualTo(1);
            assertThat(seen).singleElement().satisfies(e -> assertThat(e.reason()).contains("101"));
            assertThat(DeadLetterFile.read(file.path()).collectList().block(WAIT)).extracting(Message::payloadUtf8)
                    .containsExactly(big);

            ResilientSink plain = new ResilientSink(Transports.tcp().port(port).framing(Framing.lengthPrefixed())
                    .maxFrameLength(100).sink(), "tcp", null, null, null);
            assertThatThrownBy(() -> plain.write(Flux.just(Message.ofUtf8(big))).block(WAIT))
                    .isInstanceOf(RejectedMessageException.class).isInstanceOf(IllegalArgumentException.class);
        } finally {
            receiving.dispose();
        }
    }
}
