package io.sluice.transport.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A {@code resp} source feeding a {@code priority-queue} sink in-process, driven by real clients:
 * producers and workers use redis-cli and Jedis.
 */
class PriorityQueueSinkTest {

    /** A running source -> sink pipeline; {@link #stop()} completes the source (a graceful stop). */
    static final class Running implements AutoCloseable {
        final RespSource source;
        final PriorityQueueSink sink;
        final Sinks.Empty<Void> stopSignal = Sinks.empty();
        final CompletableFuture<Void> done;
        final int producerPort;
        final int workerPort;

        Running(PriorityQueueSink.Builder sinkBuilder) {
            EventDispatcher events = new EventDispatcher();
            source = RespSource.builder().port(0).events(events).build();
            sink = sinkBuilder.port(0).events(events).build();
            done = sink.write(source.flux().takeUntilOther(stopSignal.asMono())).toFuture();
            producerPort = source.boundAddress().map(InetSocketAddress::getPort).block(Duration.ofSeconds(10));
            workerPort = sink.boundAddress().map(InetSocketAddress::getPort).block(Duration.ofSeconds(10));
        }

        Jedis producer() {
            return new Jedis("127.0.0.1", producerPort);
        }

        Jedis worker() {
            return new Jedis("127.0.0.1", workerPort);
        }

        /** Waits until the sink's INFO has the given field value. */
        void awaitInfo(String field, long value) throws InterruptedException {
            try (Jedis w = worker()) {
                RedisCli.await(() -> info(w).contains("\r\n" + field + ":" + value + "\r\n"),
                        field + ":" + value + " in INFO");
            }
        }

        void stop() throws Exception {
            stopSignal.tryEmitEmpty();
            done.get(20, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws Exception {
            stop();
        }
    }

    private Running running;

    @AfterEach
    void tearDown() throws Exception {
        if (running != null) {
            running.close();
        }
    }

    static String info(Jedis w) {
        return (String) RedisCli.send(w, "INFO");
    }

    @Test
    void theIssueTranscriptWithRedisCli() throws Exception {
        RedisCli.assumeInstalled();
        running = new Running(PriorityQueueSink.builder());
        int p = running.producerPort;
        assertThat(RedisCli.run(p, "UPDATE", "a", "5")).isEqualTo("OK");
        assertThat(RedisCli.run(p, "UPDATE", "b", "10")).isEqualTo("OK");
        assertThat(RedisCli.run(p, "UPDATE", "a", "10")).isEqualTo("OK");
        running.awaitInfo("received", 3);
        int w = running.workerPort;
        assertThat(RedisCli.run(w, "PEEK", "a")).isEqualTo("15");
        assertThat(RedisCli.run(w, "PEEK", "b")).isEqualTo("10");
        assertThat(RedisCli.run(w, "PEEK", "nobody")).isEmpty();
        assertThat(RedisCli.run(w, "NEXT")).isEqualTo("a");
        assertThat(RedisCli.run(w, "NEXT")).isEqualTo("b");
        assertThat(RedisCli.run(w, "NEXT")).isEmpty();
        assertThat(RedisCli.run(w, "INFO")).contains("size:0", "received:3", "merged:1", "taken:2", "evicted:0");
    }

    @Test
    void theIssueTranscriptWithJedisAndInfo() throws Exception {
        running = new Running(PriorityQueueSink.builder().capacity(100));
        try (Jedis prod = running.producer(); Jedis w = running.worker()) {
            RedisCli.send(prod, "UPDATE", "a", "5");
            RedisCli.send(prod, "UPDATE", "b", "10");
            RedisCli.send(prod, "UPDATE", "a", "10");
            running.awaitInfo("received", 3);
            assertThat(info(w)).contains("size:2\r\n", "capacity:100\r\n", "merged:1\r\n");
            assertThat(RedisCli.send(w, "PEEK", "a")).isEqualTo(15L);
            assertThat(RedisCli.send(w, "PEEK", "zzz")).isNull();
            assertThat(RedisCli.send(w, "NEXT")).isEqualTo("a");
            assertThat(RedisCli.send(w, "NEXT")).isEqualTo("b");
            assertThat(RedisCli.send(w, "NEXT")).isNull();
            assertThat(running.sink.metrics().messages()).isEqualTo(2);
        }
    }

    @Test
    void bnextWakesWhenAnItemArrivesAndTimesOutWithNil() throws Exception {
        running = new Running(PriorityQueueSink.builder());
        try (Jedis prod = running.producer(); Jedis w = running.worker()) {
            assertThat(RedisCli.send(w, "BNEXT", "0.05")).isNull();
            CompletableFuture<Object> blocked = CompletableFuture.supplyAsync(() -> {
                try (Jedis blocking = running.worker()) {
                    return RedisCli.send(blocking, "BNEXT", "30");
                }
            });
            running.awaitInfo("waiting_workers", 1);
            assertThat(blocked).isNotDone();
            RedisCli.send(prod, "UPDATE", "wake", "1");
            assertThat(blocked.get(10, TimeUnit.SECONDS)).isEqualTo("wake");
            running.awaitInfo("taken", 1);
            assertThat(info(w)).contains("waiting_workers:0\r\n", "size:0\r\n");
        }
    }

    @Test
    void theSinkRequestsOnlyAsWorkersTakeItems() throws Exception {
        running = new Running(PriorityQueueSink.builder().capacity(2));
        try (Jedis prod = running.producer(); Jedis w = running.worker()) {
            for (int i = 1; i <= 5; i++) {
                RedisCli.send(prod, "UPDATE", "job" + i, String.valueOf(i));
            }
            running.awaitInfo("received", 2);
            assertThat(info(w)).contains("size:2\r\n", "evicted:0\r\n");
            // one take frees one slot: exactly one more item comes in
            assertThat(RedisCli.send(w, "NEXT")).isEqualTo("job2");
            running.awaitInfo("received", 3);
            assertThat(info(w)).contains("size:2\r\n", "taken:1\r\n");
            assertThat(RedisCli.send(w, "NEXT")).isEqualTo("job3");
            assertThat(RedisCli.send(w, "NEXT")).isEqualTo("job4");
            assertThat(RedisCli.send(w, "NEXT")).isEqualTo("job5");
            assertThat(RedisCli.send(w, "NEXT")).isEqualTo("job1");
            running.awaitInfo("received", 5);
            assertThat(RedisCli.send(w, "NEXT")).isNull();
        }
    }

    @Test
    void badWorkerCommandsAreErrorsAndTheConnectionStaysOpen() throws Exception {
        running = new Running(PriorityQueueSink.builder());
        try (Jedis w = running.worker()) {
            assertThatThrownBy(() -> RedisCli.send(w, "NEXT", "x")).isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR wrong number of arguments for 'next' command");
            assertThatThrownBy(() -> RedisCli.send(w, "BNEXT", "soon")).isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR timeout is not a float or out of range");
            assertThatThrownBy(() -> RedisCli.send(w, "BNEXT", "-1")).isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR timeout is negative");
            assertThatThrownBy(() -> RedisCli.send(w, "UPDATE", "a", "1")).isInstanceOf(JedisDataException.class)
                    .hasMessageStartingWith("ERR UPDATE goes to a resp source");
            assertThatThrownBy(() -> RedisCli.send(w, "ZPOPMAX", "q")).isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR unknown command 'ZPOPMAX'");
            assertThatThrownBy(() -> RedisCli.send(w, "SNAPSHOT")).isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR snapshot failed: no snapshot path is configured");
            assertThat(w.ping()).isEqualTo("PONG");
            byte[] binary = {0, (byte) 0xff, (byte) 0xc3, 10, 13};
            assertThat((byte[]) w.sendCommand(RedisCli.command("ECHO"), binary)).isEqualTo(binary);
        }
        // malformed input on the worker port closes that connection only
        RedisCli.Raw huge = RedisCli.raw(running.workerPort,
                "*2\r\n$4\r\nPEEK\r\n$1073741824\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(huge.text()).startsWith("-ERR Protocol error: ");
        assertThat(huge.closed()).isTrue();
        try (Jedis w = running.worker()) {
            assertThat(RedisCli.send(w, "NEXT")).isNull();
        }
    }

    @Test
    void connectionsBeyondTheLimitAreRefusedAndTheOthersKeepWorking() throws Exception {
        running = new Running(PriorityQueueSink.builder().maxConnections(1));
        try (Jedis first = running.worker()) {
            assertThat(first.ping()).isEqualTo("PONG");
            RedisCli.Raw second = RedisCli.raw(running.workerPort, "PING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(second.closed()).isTrue();
            assertThat(second.text()).isEmpty();
            assertThat(running.sink.metrics().errors()).isEqualTo(1);
            assertThat(first.ping()).isEqualTo("PONG");
        }
    }

    @Test
    void workerConnectionsAreReportedAndClosedWhenTheSinkStops() throws Exception {
        EventDispatcher events = new EventDispatcher();
        java.util.List<Object> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        events.on(ConnectionOpened.class, seen::add);
        events.on(ConnectionClosed.class, seen::add);
        PriorityQueueSink sink = PriorityQueueSink.builder().port(0).events(events).build();
        Sinks.Empty<Void> end = Sinks.empty();
        CompletableFuture<Void> done = sink.write(end.asMono().thenMany(Flux.<Message>empty())).toFuture();
        int port = sink.boundAddress().map(InetSocketAddress::getPort).block(Duration.ofSeconds(10));
        try (Socket worker = new Socket("127.0.0.1", port)) {
            worker.setSoTimeout(10_000);
            worker.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] pong = worker.getInputStream().readNBytes(7);
            assertThat(new String(pong, StandardCharsets.US_ASCII)).isEqualTo("+PONG\r\n");
            RedisCli.await(() -> seen.size() == 1, "ConnectionOpened");
            assertThat(sink.metrics().connectionsActive()).isEqualTo(1);

            end.tryEmitEmpty(); // the pipeline completes: the sink stops and closes its workers
            done.get(10, TimeUnit.SECONDS);
            assertThat(worker.getInputStream().read()).as("closed by the sink").isEqualTo(-1);
        }
        RedisCli.await(() -> seen.size() == 2, "ConnectionClosed");
        assertThat(seen.get(0)).isInstanceOfSatisfying(ConnectionOpened.class,
                e -> assertThat(e.transport()).isEqualTo("priority-queue"));
        assertThat(seen.get(1)).isInstanceOf(ConnectionClosed.class);
        assertThat(sink.metrics().connectionsActive()).isZero();
    }

    @Test
    void aPortInUseFailsTheWriteAndTheBoundAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            PriorityQueueSink sink = PriorityQueueSink.builder().port(taken.getLocalPort()).build();
            CompletableFuture<Void> done = sink.write(Flux.never()).toFuture();
            String where = "Failed to bind on [127.0.0.1:" + taken.getLocalPort() + "]";
            assertThatThrownBy(() -> done.get(10, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(reactor.netty.ChannelBindException.class).hasMessageContaining(where);
            assertThatThrownBy(() -> sink.boundAddress().block(Duration.ofSeconds(10)))
                    .isInstanceOf(reactor.netty.ChannelBindException.class).hasMessageContaining(where);
        }
    }
}
