package io.sluice.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.overflow.Overflow;
import io.sluice.transport.RoundTrip;
import io.sluice.transport.Transports;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class RSocketTransportTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    static byte[] payload(int index, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (index * 31 + i * 7 + (i >>> 8));
        }
        return b;
    }

    static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    static Message message(int index, int size) {
        return Message.builder().payload(payload(index, size)).sequence(index).key("k" + index)
                .header("idx", Integer.toString(index)).timestamp(1_700_000_000_000L + index).build();
    }

    static void assertIntact(Message m, int size) {
        int idx = Integer.parseInt(m.header("idx").orElseThrow());
        byte[] expected = payload(idx, size);
        assertThat(m.size()).isEqualTo(size);
        assertThat(crc(m.payload())).isEqualTo(crc(expected));
        assertThat(Arrays.equals(m.payload(), expected)).isTrue();
        assertThat(m.sequence()).isEqualTo(idx);
        assertThat(m.key()).contains("k" + idx);
        assertThat(m.timestamp()).isEqualTo(1_700_000_000_000L + idx);
    }

    /**
     * Several concurrent clients into one source; every payload arrives exactly once, byte for byte
     * ({@link RoundTrip#run}). Over TCP in channel mode 4 x 2500 = 10,000 messages at 18 B; fewer
     * elsewhere, to keep the class's run time bounded on a loaded CI machine. The limit is the test
     * setup, not the transport: surefire runs Netty's leak detector in paranoid mode, which records
     * a stack trace on every buffer access (WebSocket most: a client masks its frames four bytes at
     * a time). At the earlier counts (10,000 x 18 B over TCP in both modes, 1,000 over WebSocket)
     * all sixteen cases took about 4 s together with leak detection disabled, against 6 to 18 s
     * for single cases in paranoid mode on a 2-core machine shared with other builds; unloaded, the
     * 10,000-message channel case takes about 2.5 s in paranoid mode.
     */
    @ParameterizedTest(name = "webSocket={0} {1} {2} B x 4 clients x {3}")
    @CsvSource({"false,CHANNEL,18,2500", "false,CHANNEL,4266,100", "false,CHANNEL,6786,100", "false,CHANNEL,79435,25",
                "false,FIRE_AND_FORGET,18,500", "false,FIRE_AND_FORGET,4266,100", "false,FIRE_AND_FORGET,6786,100",
                "false,FIRE_AND_FORGET,79435,25",
                "true,CHANNEL,18,100", "true,CHANNEL,4266,10", "true,CHANNEL,6786,10", "true,CHANNEL,79435,2",
                "true,FIRE_AND_FORGET,18,100", "true,FIRE_AND_FORGET,4266,10", "true,FIRE_AND_FORGET,6786,10",
                "true,FIRE_AND_FORGET,79435,2"})
    void roundTripFromConcurrentClientsIsByteExact(boolean webSocket, RSocketBuilder.Mode mode, int size, int perClient) {
        int clients = 4;
        RSocketSource source = Transports.rsocket().webSocket(webSocket).fireAndForgetBuffer(clients * perClient).source();
        RoundTrip.run(source, source::boundAddress,
                port -> Transports.rsocket().webSocket(webSocket).port(port).mode(mode).sink(), clients, perClient, size);
        assertThat(source.metrics().lost()).isZero();
        assertThat(source.metrics().errors()).isZero();
    }

    @ParameterizedTest
    @CsvSource({"CHANNEL,18", "CHANNEL,4266", "CHANNEL,6786", "CHANNEL,79435",
                "FIRE_AND_FORGET,18", "FIRE_AND_FORGET,4266", "FIRE_AND_FORGET,6786", "FIRE_AND_FORGET,79435"})
    void oneConnectionKeepsOrderAndEveryMetadataField(RSocketBuilder.Mode mode, int size) {
        int count = 200;
        RSocketSource source = Transports.rsocket().fireAndForgetBuffer(count).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        Disposable running = source.flux().subscribe(got::add);
        try {
            int port = source.boundAddress().block(WAIT).getPort();
            RSocketSink sink = Transports.rsocket().port(port).mode(mode).sink();
            sink.write(Flux.range(0, count).map(i -> message(i, size))).block(WAIT);
            assertThat(got).hasSize(count);
            got.forEach(m -> assertIntact(m, size));
            assertThat(got.stream().map(Message::sequence).collect(Collectors.toList()))
                    .as("one connection keeps order").isSorted();
            assertThat(sink.metrics().messages()).isEqualTo(count);
            assertThat(source.metrics().lost()).isZero();
        } finally {
            running.dispose();
        }
    }

    /** Over WebSocket at 18 B: the demand path is the same, and large frames are slow under paranoid leak detection. */
    @ParameterizedTest(name = "webSocket={0} {1} B")
    @CsvSource({"false,4266", "true,18"})
    void channelDemandOfABlockingPipelineBoundsWhatTheSenderEmits(boolean webSocket, int size) throws InterruptedException {
        int total = 1500;
        RSocketSource source = Transports.rsocket().webSocket(webSocket).prefetch(8).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        AtomicLong emitted = new AtomicLong();
        AtomicLong maxInFlight = new AtomicLong();
        Disposable running = source.flux()
                .transform(Overflow.<Message>block(16))
                .concatMap(m -> Mono.delay(Duration.ofMillis(1)).thenReturn(m), 1) // slow consumer
                .subscribe(m -> {
                    got.add(m);
                    maxInFlight.accumulateAndGet(emitted.get() - got.size(), Math::max);
                });
        try {
            int port = source.boundAddress().block(WAIT).getPort();
            RSocketSink sink = Transports.rsocket().webSocket(webSocket).port(port).sink();
            sink.write(Flux.range(0, total).map(i -> message(i, size)).doOnNext(m -> emitted.incrementAndGet()))
                    .block(Duration.ofSeconds(60));
            // the write completes when the source has taken every message; the slow pipeline may still be draining
            long end = System.nanoTime() + WAIT.toNanos();
            while (got.size() < total && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertThat(got).hasSize(total);
            got.forEach(m -> assertIntact(m, size));
            assertThat(got.stream().map(Message::sequence).collect(Collectors.toSet())).hasSize(total);
            // emitted-minus-received is bounded by the demand in the chain (request-n from the source's
            // prefetch, the block stage and rsocket-java's own batching), far below the total
            assertThat(maxInFlight.get()).as("max emitted - received").isLessThanOrEqualTo(300);
        } finally {
            running.dispose();
        }
    }

    @Test
    void fireAndForgetBeyondTheBufferIsDroppedAndCounted() {
        int total = 300;
        RSocketSource source = Transports.rsocket().fireAndForgetBuffer(10).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        reactor.core.publisher.BaseSubscriber<Message> stalled = new reactor.core.publisher.BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
                // no demand: the pipeline is stalled
            }

            @Override
            protected void hookOnNext(Message m) {
                got.add(m);
            }
        };
        source.flux().subscribe(stalled);
        try {
            int port = source.boundAddress().block(WAIT).getPort();
            Transports.rsocket().port(port).mode(RSocketBuilder.Mode.FIRE_AND_FORGET).sink()
                    .write(Flux.range(0, total).map(i -> message(i, 18))).block(WAIT);
            stalled.request(Long.MAX_VALUE);
            // the buffer holds at least 10 (Reactor rounds queue capacities up to a power of two)
            assertThat(got.size()).isBetween(10, 64);
            assertThat(source.metrics().lost()).isEqualTo(total - got.size());
            got.forEach(m -> assertIntact(m, 18));
        } finally {
            stalled.dispose();
        }
    }
}
