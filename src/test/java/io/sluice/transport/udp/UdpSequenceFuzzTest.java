package io.sluice.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;
import io.sluice.Message;
import io.sluice.event.ConnectionError;
import io.sluice.event.EventDispatcher;
import io.sluice.fuzz.ServerFuzzing;
import io.sluice.transport.Transports;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fuzzes the UDP source's sequence header through a real sequenced {@code udp} source on 127.0.0.1:
 * each input is one datagram from one client socket (one sender address for the whole run, so the
 * per-sender accounting sees every input). Each datagram is either a message whose sequence is the
 * first 8 bytes (big-endian) and whose payload is the rest, or, when shorter than the header or with a
 * negative sequence, a documented rejection (one more {@code ConnectionError}, no message); one of the
 * two happens within {@link ServerFuzzing#TIMEOUT_MS} (a datagram sent on loopback one at a time is not
 * dropped). The loss, reorder and duplicate counters never go negative, the source keeps running, nothing
 * leaks. Corpus: {@code UdpSequenceFuzzTestInputs/datagram/} ({@code seq0-duplicate}, after {@code seq0}: a
 * duplicate used to be taken back from {@code lost}, which went to -1).
 */
class UdpSequenceFuzzTest {

    private static final List<ConnectionError> ERRORS = new CopyOnWriteArrayList<>();
    /** The same errors, to wait on (a blocking wait, not a spin: the source's loop needs the CPU). */
    private static final BlockingQueue<ConnectionError> REJECTED = new LinkedBlockingQueue<>();
    private static final BlockingQueue<Message> RECEIVED = new LinkedBlockingQueue<>();
    private static final AtomicReference<Throwable> FAILED = new AtomicReference<>();
    private static UdpSource source;
    private static DatagramSocket client;
    private static InetSocketAddress server;

    @BeforeAll
    static void start() throws Exception {
        ServerFuzzing.init();
        EventDispatcher events = new EventDispatcher();
        events.on(ConnectionError.class, e -> {
            ERRORS.add(e);
            REJECTED.add(e);
        });
        source = Transports.udp().port(0).sequenced(true).events(events).source();
        source.flux().subscribe(RECEIVED::add, FAILED::set);
        int port = source.boundAddress().map(InetSocketAddress::getPort).block(Duration.ofSeconds(30));
        server = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @FuzzTest(maxDuration = "10s")
    void datagram(byte[] bytes) throws Exception {
        byte[] d = bytes.length > UdpBuilder.MAX_DATAGRAM ? Arrays.copyOf(bytes, UdpBuilder.MAX_DATAGRAM) : bytes;
        int errorsBefore = ERRORS.size();
        client.send(new DatagramPacket(d, d.length, server));
        boolean header = d.length >= UdpBuilder.SEQUENCE_HEADER && ByteBuffer.wrap(d).getLong() >= 0;
        if (header) {
            Message m = RECEIVED.poll(ServerFuzzing.TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertThat(m).as("message for a datagram of %d bytes with a sequence header", d.length).isNotNull();
            assertThat(m.sequence()).isEqualTo(ByteBuffer.wrap(d).getLong());
            assertThat(m.payload()).isEqualTo(Arrays.copyOfRange(d, UdpBuilder.SEQUENCE_HEADER, d.length));
        } else {
            assertThat(REJECTED.poll(ServerFuzzing.TIMEOUT_MS, TimeUnit.MILLISECONDS))
                    .as("rejection of a datagram of %d bytes without a valid header", d.length).isNotNull();
            assertThat(ERRORS.size()).as("one rejection per datagram").isEqualTo(errorsBefore + 1);
            assertThat(RECEIVED).isEmpty();
        }
        if (FAILED.get() != null) {
            throw new AssertionError("the udp source failed", FAILED.get());
        }
        assertThat(source.metrics().lost()).as("lost").isNotNegative();
        assertThat(source.metrics().reordered()).as("reordered").isNotNegative();
        assertThat(source.metrics().duplicated()).as("duplicated").isNotNegative();
        assertThat(REJECTED).as("a rejection of a datagram with a header").isEmpty();
        ServerFuzzing.assertClean(ERRORS);
    }
}
