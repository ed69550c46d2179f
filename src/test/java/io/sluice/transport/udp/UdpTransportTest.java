package io.sluice.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.NettyLeakCheck;
import io.sluice.transport.Payloads;
import io.sluice.transport.Transports;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

@ExtendWith(NettyLeakCheck.class)
class UdpTransportTest {

    private static final Duration T = Duration.ofSeconds(10);

    private final EventDispatcher events = new EventDispatcher();
    private final List<Object> seen = new CopyOnWriteArrayList<>();
    private Disposable running;

    UdpTransportTest() {
        events.on(Object.class, seen::add);
    }

    @AfterEach
    void stop() {
        if (running != null) {
            running.dispose();
        }
    }

    /** Paced so that loopback rarely drops: bursts of about 32 KiB, then a millisecond pause. */
    private static Flux<Message> paced(int client, int count, int size) {
        int burst = Math.max(1, Math.min(64, 32 * 1024 / size));
        return Payloads.messages(client, count, size)
                .buffer(burst)
                .concatMap(b -> Flux.fromIterable(b).delaySubscription(Duration.ofMillis(1)), 1);
    }

    @ParameterizedTest(name = "{0} B x {1} x {2} clients")
    @CsvSource({"18, 3400, 3", "4266, 200, 3", "6786, 200, 3"})
    void sequencedRoundTripAccountsForEveryDatagram(int size, int perClient, int clients) throws Exception {
        UdpSource source = Transports.udp().sequenced(true).events(events).source();
        Payloads.Checker checker = new Payloads.Checker(size, perClient);
        running = source.flux().subscribe(checker::accept);
        int port = source.boundAddress().block(T).getPort();
        Flux.range(0, clients)
                .flatMap(c -> Transports.udp().port(port).sequenced(true).sink().write(paced(c, perClient, size)), clients)
                .then()
                .block(Duration.ofSeconds(60));
        long total = (long) clients * perClient;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (checker.count() + source.metrics().lost() < total && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(checker.bad()).isZero();
        assertThat(checker.duplicates()).isZero();
        assertThat(checker.count()).isEqualTo(source.metrics().messages());
        assertThat(checker.count() + source.metrics().lost()).as("received + lost (%s) %s", source.metrics(), checker.summary(clients)).isEqualTo(total);
        assertThat(source.metrics().errors()).isZero();
        assertThat(seen).filteredOn(e -> e instanceof ConnectionOpened).isNotEmpty();
    }

    @Test
    void sinkRejectsMessagesLargerThanADatagramInsteadOfTruncating() {
        UdpSink sink = Transports.udp().port(9).sink();
        StepVerifier.create(sink.write(Flux.just(Message.of(Payloads.payload(0, 0, 79435)))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("79435").hasMessageContaining("65507"))
                .verify(T);
        UdpSink sequenced = Transports.udp().port(9).sequenced(true).sink();
        StepVerifier.create(sequenced.write(Flux.just(Message.of(new byte[65500]))))
                .expectError(IllegalArgumentException.class)
                .verify(T);
    }

    @Test
    void largestDatagramArrivesWhole() throws Exception {
        UdpSource source = Transports.udp().source();
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        running = source.flux().subscribe(got::add);
        int port = source.boundAddress().block(T).getPort();
        byte[] p = Payloads.payload(0, 1, 65507);
        Transports.udp().port(port).sink().write(Flux.just(Message.of(p))).block(T);
        Message m = got.poll(10, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.payload()).isEqualTo(p);
    }

    @Test
    void gapsAndReorderingAreCounted() throws Exception {
        UdpSource source = Transports.udp().sequenced(true).events(events).source();
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        running = source.flux().subscribe(got::add);
        int port = source.boundAddress().block(T).getPort();
        try (DatagramSocket s = new DatagramSocket()) {
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
            for (long seq : new long[] {0, 1, 4, 2, 5}) {
                byte[] b = ByteBuffer.allocate(9).putLong(seq).put((byte) seq).array();
                s.send(new DatagramPacket(b, b.length, to));
                Message m = got.poll(10, TimeUnit.SECONDS);
                assertThat(m).isNotNull();
                assertThat(m.sequence()).isEqualTo(seq);
                assertThat(m.payload()).containsExactly((byte) seq);
            }
            s.send(new DatagramPacket(new byte[3], 3, to));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (source.metrics().errors() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        // sent 0..5 except 3: 3 is lost, 2 arrived late
        assertThat(source.metrics().lost()).isEqualTo(1);
        assertThat(source.metrics().reordered()).isEqualTo(1);
        assertThat(source.metrics().messages()).isEqualTo(5);
        assertThat(source.metrics().errors()).isEqualTo(1);
        assertThat(seen).filteredOn(e -> e instanceof ConnectionError).hasSize(1);
    }
}
