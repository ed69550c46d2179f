package io.sluice.transport.rsocket;

import static io.sluice.transport.rsocket.RSocketTransportTest.assertIntact;
import static io.sluice.transport.rsocket.RSocketTransportTest.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import io.sluice.transport.Transports;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** RSocket request-stream: the sink serves, sources subscribe. */
class RSocketStreamTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static RSocketBuilder stream(boolean webSocket) {
        return Transports.rsocket().mode(RSocketBuilder.Mode.STREAM).webSocket(webSocket);
    }

    /**
     * One subscriber, every size, byte-exact and in order. Counts are bounded for run time (Netty's
     * paranoid leak detection in tests); the 10,000-message run from 4 concurrent clients is
     * {@code RSocketTransportTest}'s channel round trip.
     */
    @ParameterizedTest
    @CsvSource({"false,18,2000", "false,4266,300", "false,6786,300", "false,79435,100",
                "true,18,1000", "true,4266,300", "true,6786,300", "true,79435,100"})
    void everyMessageReachesTheSubscriberByteExact(boolean webSocket, int size, int count) {
        RSocketSink sink = stream(webSocket).sink();
        Mono<Void> written = sink.write(Flux.range(0, count).map(i -> message(i, size))).cache();
        Disposable serving = written.subscribe();
        try {
            int port = sink.boundAddress().block(WAIT).getPort();
            List<Message> got = stream(webSocket).port(port).source().flux().collectList().block(WAIT);
            written.block(WAIT);
            assertThat(got).hasSize(count);
            got.forEach(m -> assertIntact(m, size));
            assertThat(got.stream().map(Message::sequence).collect(Collectors.toList())).isSorted();
            assertThat(sink.metrics().messages()).isEqualTo(count);
        } finally {
            serving.dispose();
        }
    }

    @Test
    void twoSubscribersBothReceiveEverything() {
        int count = 2000;
        RSocketSink sink = stream(false).sink();
        AtomicLong emitted = new AtomicLong();
        Mono<Void> written = sink.write(Flux.range(0, count).map(i -> message(i, 18))
                // starts once both subscribers are in, so neither misses the beginning
                .delaySubscription(Mono.delay(Duration.ofMillis(300)))
                .doOnNext(m -> emitted.incrementAndGet())).cache();
        Disposable serving = written.subscribe();
        try {
            int port = sink.boundAddress().block(WAIT).getPort();
            Mono<List<Message>> a = stream(false).port(port).source().flux().collectList();
            Mono<List<Message>> b = stream(false).port(port).source().flux().collectList();
            List<List<Message>> both = Flux.merge(a, b).collectList().block(WAIT);
            written.block(WAIT);
            assertThat(both).hasSize(2).allSatisfy(got -> {
                assertThat(got).hasSize(count);
                assertThat(got).extracting(Message::sequence).isSorted();
            });
            assertThat(emitted.get()).isEqualTo(count);
        } finally {
            serving.dispose();
        }
    }

    @Test
    void aSlowSubscriberBoundsWhatTheInputEmitsAndNothingIsLost() throws InterruptedException {
        int total = 2000;
        int prefetch = 16;
        RSocketSink sink = stream(false).prefetch(prefetch).sink();
        AtomicLong emitted = new AtomicLong();
        Mono<Void> written = sink.write(Flux.range(0, total).map(i -> message(i, 4266))
                .doOnNext(m -> emitted.incrementAndGet())).cache();
        Disposable serving = written.subscribe();
        List<Message> got = new CopyOnWriteArrayList<>();
        BaseSubscriber<Message> slow = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                s.request(10);
            }

            @Override
            protected void hookOnNext(Message m) {
                got.add(m);
            }
        };
        try {
            int port = sink.boundAddress().block(WAIT).getPort();
            stream(false).port(port).prefetch(prefetch).source().flux().subscribe(slow);
            long end = System.nanoTime() + WAIT.toNanos();
            while (got.size() < 10 && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            // the subscriber asked for 10: the input is held to that plus the bounded buffers
            // (source limitRate batch + the sink's publish prefetch), far below the total
            assertThat(got).hasSize(10);
            assertThat(emitted.get()).isLessThanOrEqualTo(10 + 2L * prefetch + prefetch);
            // positive control: one more request, exactly one more message, still bounded input
            slow.request(1);
            end = System.nanoTime() + WAIT.toNanos();
            while (got.size() < 11 && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertThat(got).hasSize(11);
            assertThat(emitted.get()).isLessThanOrEqualTo(11 + 2L * prefetch + prefetch);
            slow.request(Long.MAX_VALUE);
            written.block(WAIT);
            end = System.nanoTime() + WAIT.toNanos();
            while (got.size() < total && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertThat(got).hasSize(total);
            got.forEach(m -> assertIntact(m, 4266));
        } finally {
            slow.dispose();
            serving.dispose();
        }
    }

    @Test
    void cancellingTheSourceClosesItsConnection() throws InterruptedException {
        RSocketSink sink = stream(false).sink();
        Disposable serving = sink.write(Flux.<Message>never()).subscribe();
        try {
            int port = sink.boundAddress().block(WAIT).getPort();
            Disposable subscribed = stream(false).port(port).source().flux().subscribe();
            long end = System.nanoTime() + WAIT.toNanos();
            while (sink.metrics().connectionsOpened() < 1 && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertThat(sink.metrics().connectionsActive()).isEqualTo(1);
            subscribed.dispose();
            while (sink.metrics().connectionsClosed() < 1 && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertThat(sink.metrics().connectionsClosed()).isEqualTo(1);
            assertThat(sink.metrics().connectionsActive()).isZero();
        } finally {
            serving.dispose();
        }
    }

    @Test
    void aSourceWithNoServerFailsWithAClearError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RSocketSource source = stream(false).port(port).source();
        assertThatThrownBy(() -> source.flux().blockLast(WAIT))
                .hasMessageContaining("cannot connect to 127.0.0.1:" + port);
        assertThat(source.metrics().errors()).isEqualTo(1);
        assertThatThrownBy(() -> source.boundAddress().block(WAIT)).hasMessageContaining("connects");
    }
}
