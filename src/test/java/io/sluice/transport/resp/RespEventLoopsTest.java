package io.sluice.transport.resp;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import redis.clients.jedis.Jedis;

/**
 * The RESP servers' dedicated event loops ({@link RespLoops}): a {@code resp} source and a
 * {@code priority-queue} sink of one process share one loop of their size, whose threads end when the
 * last server using them stops (no thread leak), also after a failed bind. Each test uses its own
 * size, so that the threads it counts ({@code sluice-resp-<size>-...}) are its own.
 */
class RespEventLoopsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** A source feeding a sink, both of {@code threads} loop threads; messages' threads are recorded. */
    private static final class Pipeline implements AutoCloseable {
        final RespSource source;
        final PriorityQueueSink sink;
        final Sinks.Empty<Void> stop = Sinks.empty();
        final CompletableFuture<Void> done;
        final Set<String> sourceThreads = ConcurrentHashMap.newKeySet();

        Pipeline(int threads) {
            EventDispatcher events = new EventDispatcher();
            source = RespSource.builder().port(0).eventLoopThreads(threads).events(events).build();
            sink = PriorityQueueSink.builder().port(0).eventLoopThreads(threads).events(events).build();
            Flux<Message> in = source.flux().doOnNext(m -> sourceThreads.add(Thread.currentThread().getName()));
            done = sink.write(in.takeUntilOther(stop.asMono())).toFuture();
        }

        int producerPort() {
            return source.boundAddress().map(InetSocketAddress::getPort).block(WAIT);
        }

        int workerPort() {
            return sink.boundAddress().map(InetSocketAddress::getPort).block(WAIT);
        }

        /** UPDATE on {@code producers} connections, then NEXT takes them all, highest first. */
        void roundTrip(int producers) throws Exception {
            for (int i = 0; i < producers; i++) {
                try (Jedis p = new Jedis("127.0.0.1", producerPort())) {
                    assertThat(RedisCli.send(p, "UPDATE", "item" + i, Integer.toString(i))).isEqualTo("OK");
                }
            }
            try (Jedis w = new Jedis("127.0.0.1", workerPort())) {
                RedisCli.await(() -> ((String) RedisCli.send(w, "INFO")).contains("size:" + producers + "\r\n"),
                        producers + " items queued");
                for (int i = producers - 1; i >= 0; i--) {
                    assertThat(RedisCli.send(w, "NEXT")).isEqualTo("item" + i);
                }
                assertThat(RedisCli.send(w, "NEXT")).isNull();
            }
        }

        @Override
        public void close() throws Exception {
            stop.tryEmitEmpty();
            done.get(20, TimeUnit.SECONDS);
        }
    }

    /** @return the live threads of the loops of that size */
    private static List<String> loopThreads(int size) {
        String prefix = RespLoops.PREFIX + "-" + size + "-";
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
                .map(Thread::getName)
                .toList();
    }

    private static void awaitNoLoop(int size) throws InterruptedException {
        RedisCli.await(() -> loopThreads(size).isEmpty() && !RespLoops.inUse().containsKey(size),
                "the " + size + "-thread RESP loops ended");
    }

    @Test
    void sourceAndSinkOfOneProcessRunOnOneThreadByDefault() throws Exception {
        assertThat(RespSettings.DEFAULT_EVENT_LOOP_THREADS).isEqualTo(1);
        // servers of earlier test classes may still hold leases on the default loops: count from here
        int before = RespLoops.inUse().getOrDefault(1, 0);
        org.slf4j.LoggerFactory.getLogger(RespEventLoopsTest.class).info("1-thread RESP loop leases before: {}", before);
        EventDispatcher events = new EventDispatcher();
        RespSource source = RespSource.builder().port(0).events(events).build();
        PriorityQueueSink sink = PriorityQueueSink.builder().port(0).events(events).build();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        Sinks.Empty<Void> stop = Sinks.empty();
        CompletableFuture<Void> done = sink.write(source.flux()
                .doOnNext(m -> threads.add(Thread.currentThread().getName()))
                .takeUntilOther(stop.asMono())).toFuture();
        int producerPort = source.boundAddress().map(InetSocketAddress::getPort).block(WAIT);
        int workerPort = sink.boundAddress().map(InetSocketAddress::getPort).block(WAIT);
        try (Jedis p1 = new Jedis("127.0.0.1", producerPort); Jedis p2 = new Jedis("127.0.0.1", producerPort);
             Jedis w = new Jedis("127.0.0.1", workerPort)) {
            RedisCli.send(p1, "UPDATE", "a", "1");
            RedisCli.send(p2, "UPDATE", "b", "2");
            RedisCli.await(() -> ((String) RedisCli.send(w, "INFO")).contains("size:2\r\n"), "2 items");
            assertThat(RedisCli.send(w, "NEXT")).isEqualTo("b");
            // both servers hold a lease on the one-thread loops, and there is one such thread: the
            // producers' requests went through the pipeline on it, and it serves the worker too
            assertThat(RespLoops.inUse()).containsEntry(1, before + 2);
            assertThat(loopThreads(1)).hasSize(1);
            assertThat(threads).containsExactlyElementsOf(loopThreads(1));
        }
        stop.tryEmitEmpty();
        done.get(20, TimeUnit.SECONDS);
        RedisCli.await(() -> RespLoops.inUse().getOrDefault(1, 0) == before, "both leases given back");
        if (before == 0) {
            awaitNoLoop(1);
        }
    }

    @Test
    void theThreadsEndWhenTheLastServerOfTheirSizeStops() throws Exception {
        int size = 2;
        try (Pipeline first = new Pipeline(size)) {
            first.roundTrip(3);
            assertThat(first.sourceThreads).isNotEmpty().allMatch(n -> n.startsWith(RespLoops.PREFIX + "-2-"));
            assertThat(loopThreads(size)).isNotEmpty().hasSizeLessThanOrEqualTo(size);
            try (Pipeline second = new Pipeline(size)) {
                second.roundTrip(2);
                assertThat(RespLoops.inUse()).containsEntry(size, 4);
                assertThat(loopThreads(size)).hasSizeLessThanOrEqualTo(size); // the same loops, not new ones
            }
            // the second pipeline's servers gave their leases back; the first still serves on the loops
            RedisCli.await(() -> RespLoops.inUse().getOrDefault(size, 0) == 2, "2 leases left");
            assertThat(loopThreads(size)).isNotEmpty();
            first.roundTrip(2);
        }
        awaitNoLoop(size);
    }

    @Test
    void aFailedBindGivesItsLeaseBack() throws Exception {
        int size = 3;
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            RespSource source = RespSource.builder().port(taken.getLocalPort()).eventLoopThreads(size).build();
            Disposable d = source.flux().subscribe(m -> { }, e -> { });
            try {
                assertThat(source.boundAddress().onErrorResume(e -> reactor.core.publisher.Mono.empty())
                        .blockOptional(WAIT)).isEmpty();
            } finally {
                d.dispose();
            }
        }
        awaitNoLoop(size);
        // positive control: the same size binds and serves afterwards
        try (Pipeline p = new Pipeline(size)) {
            p.roundTrip(1);
            assertThat(loopThreads(size)).isNotEmpty();
        }
        awaitNoLoop(size);
    }

    @Test
    void zeroThreadsRunsOnReactorNettysSharedLoops() throws Exception {
        try (Pipeline p = new Pipeline(0)) {
            p.roundTrip(2);
            assertThat(RespLoops.inUse()).doesNotContainKey(0);
            assertThat(p.sourceThreads).isNotEmpty().noneMatch(n -> n.startsWith(RespLoops.PREFIX));
        }
    }
}
