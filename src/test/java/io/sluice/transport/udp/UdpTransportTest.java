package io.sluice.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.LiveThreads;
import io.sluice.transport.NettyLeakCheck;
import io.sluice.transport.Payloads;
import io.sluice.transport.Transports;
import io.sluice.transport.internal.RateLimitedLog;
import io.sluice.transport.internal.RecordingLogger;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
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

    /**
     * Paced by the receiver: a client emits its next message only while fewer than
     * {@code window} datagrams (of all clients) are unaccounted for, that is neither received nor
     * known lost. The window is small enough to fit a default-sized socket receive buffer (about
     * 208 KiB, counting kernel overhead per datagram), so on loopback the kernel has no reason to
     * drop anything, whatever the scheduling delays. The wait is bounded per client (a transport
     * that silently drops everything only makes the sender fall back to unpaced sending and then
     * fails the loss bound), so the test cannot hang.
     */
    private static Flux<Message> windowed(int client, int count, int size, AtomicLong sent, LongSupplier accounted) {
        int window = Math.max(4, Math.min(128, 128 * 1024 / (size + 1024)));
        return Flux.defer(() -> {
            long budget = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            return Payloads.messages(client, count, size).doOnNext(m -> {
                long n = sent.incrementAndGet();
                while (n - accounted.getAsLong() > window && System.nanoTime() < budget) {
                    LockSupport.parkNanos(100_000);
                }
            });
        }).subscribeOn(Schedulers.boundedElastic());
    }

    @ParameterizedTest(name = "{0} B x {1} x {2} clients")
    @CsvSource({"18, 3400, 3", "4266, 200, 3", "6786, 200, 3"})
    void sequencedRoundTripAccountsForEveryDatagram(int size, int perClient, int clients) throws Exception {
        UdpSource source = Transports.udp().sequenced(true).events(events).source();
        Payloads.Checker checker = new Payloads.Checker(size, perClient);
        running = source.flux().subscribe(checker::accept);
        int port = source.boundAddress().block(T).getPort();
        AtomicLong sent = new AtomicLong();
        LongSupplier accounted = () -> checker.count() + source.metrics().lost();
        Flux.range(0, clients)
                .flatMap(c -> Transports.udp().port(port).sequenced(true).sink()
                        .write(windowed(c, perClient, size, sent, accounted)), clients)
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
        // Loopback with the receiver-paced window above has no cause to drop datagrams: expect ~0.
        // Allow 1% for a stray kernel drop; a source that loses datagrams in earnest fails here.
        assertThat(source.metrics().lost()).as("datagrams lost (%s)", source.metrics()).isLessThanOrEqualTo(total / 100);
        assertThat(source.metrics().errors()).isZero();
        assertThat(seen).filteredOn(e -> e instanceof ConnectionOpened).isNotEmpty();
    }

    @Test
    void sinkRejectsMessagesLargerThanADatagramInsteadOfTruncating() {
        UdpSink sink = Transports.udp().port(9).events(events).sink();
        StepVerifier.create(sink.write(Flux.just(Message.of(Payloads.payload(0, 0, 79435)))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("79435").hasMessageContaining("65507"))
                .verify(T);
        assertThat(seen).filteredOn(e -> e instanceof ConnectionError).singleElement()
                .satisfies(e -> {
                    ConnectionError ce = (ConnectionError) e;
                    assertThat(ce.transport()).isEqualTo("udp");
                    assertThat(ce.remote()).isEqualTo("127.0.0.1:9");
                    assertThat(ce.reason()).contains("79435 bytes").contains("datagram limit of 65507");
                    assertThat(ce.error()).isInstanceOf(IllegalArgumentException.class);
                });
        assertThat(sink.metrics().errors()).isEqualTo(1);
        assertThat(sink.metrics().messages()).isZero();
        UdpSink sequenced = Transports.udp().port(9).sequenced(true).events(events).sink();
        StepVerifier.create(sequenced.write(Flux.just(Message.of(new byte[65500]))))
                .expectError(IllegalArgumentException.class)
                .verify(T);
        assertThat(seen).filteredOn(e -> e instanceof ConnectionError)
                .anySatisfy(e -> assertThat(((ConnectionError) e).reason()).contains("65500 bytes")
                        .contains("limit of 65499"));
    }

    @Test
    void byDefaultAPlainSendersDatagramArrivesWhole() throws Exception {
        // what socat or nc -u send: no sequence header; the default source must not strip 8 bytes
        UdpSource source = Transports.udp().events(events).source();
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        running = source.flux().subscribe(got::add);
        int port = source.boundAddress().block(T).getPort();
        byte[] text = "hi\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (DatagramSocket s = new DatagramSocket()) {
            s.send(new DatagramPacket(text, text.length, new InetSocketAddress("127.0.0.1", port)));
            Message m = got.poll(10, TimeUnit.SECONDS);
            assertThat(m).as("the datagram").isNotNull();
            assertThat(m.payload()).containsExactly(text);
        }
        assertThat(source.metrics().errors()).isZero();
        assertThat(source.metrics().lost()).isZero();
        assertThat(Transports.udp().maxPayload()).as("default sink: unsequenced").isEqualTo(UdpBuilder.MAX_DATAGRAM);
    }

    @Test
    void garbageDatagramsAreReportedAndTheSourceKeepsWorking() throws Exception {
        RecordingLogger log = new RecordingLogger("udp");
        // a clock that stands still: every rejection after the first falls in the same 10 s interval
        UdpSource source = new UdpSource(Transports.udp().sequenced(true).events(events),
                new RateLimitedLog(log, UdpSource.REJECT_LOG_INTERVAL_MS, () -> 0L));
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        running = source.flux().subscribe(got::add);
        int port = source.boundAddress().block(T).getPort();
        try (DatagramSocket s = new DatagramSocket()) {
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
            byte[] shortOne = {1, 2, 3};
            byte[] garbage = new byte[64];
            java.util.Arrays.fill(garbage, (byte) 0xFF);
            s.send(new DatagramPacket(shortOne, shortOne.length, to));
            s.send(new DatagramPacket(garbage, garbage.length, to));
            for (long seq = 0; seq < 3; seq++) {
                byte[] b = ByteBuffer.allocate(9).putLong(seq).put((byte) (40 + seq)).array();
                s.send(new DatagramPacket(b, b.length, to));
                Message m = got.poll(10, TimeUnit.SECONDS);
                assertThat(m).as("datagram %s after the garbage", seq).isNotNull();
                assertThat(m.sequence()).isEqualTo(seq);
                assertThat(m.payload()).containsExactly((byte) (40 + seq));
            }
        }
        // the two garbage datagrams were sent first: by now both have been handled
        assertThat(seen).filteredOn(e -> e instanceof ConnectionError).map(e -> ((ConnectionError) e).reason())
                .satisfiesExactly(
                        r -> assertThat(r).contains("3 bytes").contains("no sequence header"),
                        r -> assertThat(r).contains("64 bytes").contains("no valid sequence header"));
        assertThat(source.metrics().errors()).isEqualTo(2);
        assertThat(source.metrics().messages()).isEqualTo(3);
        // logged at WARN, rate-limited: one line for the first, the second only counted
        assertThat(log.warnings).singleElement().satisfies(w -> assertThat(w)
                .contains("rejected a datagram").contains("3 bytes").contains("no sequence header").contains("sequenced"));
        // garbage does not disturb the loss accounting
        assertThat(source.metrics().lost()).isZero();
        assertThat(source.metrics().reordered()).isZero();
        assertThat(got).isEmpty();
    }

    /** Runs a source, sends it datagrams through a sink, stops it; returns the port it was bound to. */
    private int serveThenStop() throws Exception {
        UdpSource source = Transports.udp().sequenced(true).events(events).source();
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        Disposable d = source.flux().subscribe(got::add);
        running = d;
        int port = source.boundAddress().block(T).getPort();
        Transports.udp().port(port).sequenced(true).sink().write(Flux.just(Message.ofUtf8("a"), Message.ofUtf8("b")))
                .block(T);
        for (int i = 0; i < 2; i++) {
            assertThat(got.poll(10, TimeUnit.SECONDS)).as("datagram %s", i).isNotNull();
        }
        d.dispose();
        // unbound: the port can be bound again (bounded wait, the channel closes asynchronously)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (DatagramSocket again = new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
                break;
            } catch (java.net.BindException stillBound) {
                assertThat(System.nanoTime()).as("port %s still bound after stop", port).isLessThan(deadline);
                Thread.sleep(10);
            }
        }
        return port;
    }

    @Test
    void stopReleasesTheSocketAndItsEventLoop() throws Exception {
        serveThenStop();
        Set<String> baseline = LiveThreads.settle(Duration.ofSeconds(1), Duration.ofSeconds(20));
        serveThenStop();
        LiveThreads.awaitBackTo(baseline, Duration.ofSeconds(30));
        // the source's own event loop (one per subscription) in particular is gone
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (LiveThreads.snapshot().stream().anyMatch(n -> n.startsWith("sluice-udp"))
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(LiveThreads.snapshot()).noneMatch(n -> n.startsWith("sluice-udp"));
        assertThat(seen).filteredOn(e -> e instanceof ConnectionError).isEmpty();
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

    @Test
    void aDuplicateIsCountedAsOneAndALateDatagramIsTakenBackFromLostOnce() throws Exception {
        // the accounting itself is SequenceTrackerTest's; this is the source wired to it, per sender
        UdpSource source = Transports.udp().sequenced(true).events(events).source();
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        running = source.flux().subscribe(got::add);
        int port = source.boundAddress().block(T).getPort();
        try (DatagramSocket a = new DatagramSocket(); DatagramSocket b = new DatagramSocket()) {
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
            // a: 0, 1, 1 (duplicate), 0 (duplicate), 4 (2 and 3 lost), 3 (late), 3 (duplicate); b: 0, 0
            Object[][] sends = {{a, 0L}, {a, 1L}, {a, 1L}, {a, 0L}, {a, 4L}, {a, 3L}, {a, 3L}, {b, 0L}, {b, 0L}};
            for (Object[] s : sends) {
                long seq = (Long) s[1];
                byte[] d = ByteBuffer.allocate(9).putLong(seq).put((byte) seq).array();
                ((DatagramSocket) s[0]).send(new DatagramPacket(d, d.length, to));
                Message m = got.poll(10, TimeUnit.SECONDS);
                assertThat(m).as("datagram %s", seq).isNotNull();
                assertThat(m.sequence()).isEqualTo(seq);
                assertThat(source.metrics().lost()).as("lost after %s", seq).isNotNegative();
            }
        }
        assertThat(source.metrics().messages()).isEqualTo(9);
        assertThat(source.metrics().lost()).as("2 never arrived").isEqualTo(1);
        assertThat(source.metrics().reordered()).as("3").isEqualTo(1);
        assertThat(source.metrics().duplicated()).isEqualTo(4);
        assertThat(source.metrics().toString()).contains("lost=1, reordered=1, duplicated=4");
    }
}
