package io.sluice.transport.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Sink;
import io.sluice.transport.ServerSource;
import io.sluice.transport.spi.Bind;
import io.sluice.transport.spi.EndpointContext;
import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.Role;
import io.sluice.transport.spi.TransportRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Sinks;
import redis.clients.jedis.Jedis;

/** The RESP transport as the gateway sees it: found by ServiceLoader, options validated, endpoints built. */
class RespProviderTest {

    private static EndpointOptions options(EndpointType type, Role role, Map<String, Object> raw) {
        return (EndpointOptions) OptionSpec.group(type.name(), type.description(),
                type.options(role).toArray(OptionSpec[]::new)).convert(raw);
    }

    @Test
    void serviceLoaderFindsBothEndpointTypes() {
        TransportRegistry registry = TransportRegistry.load();
        EndpointType resp = registry.find("resp").orElseThrow();
        EndpointType queue = registry.find("priority-queue").orElseThrow();
        assertThat(resp.offersSource()).isTrue();
        assertThat(resp.offersSink()).isTrue();
        assertThat(resp.binder().binds(Role.SINK, options(resp, Role.SINK, Map.of("port", 6380)))).isEmpty();
        assertThat(queue.offersSink()).isTrue();
        assertThat(queue.offersSource()).isFalse();

        EndpointOptions o = options(queue, Role.SINK, Map.of("port", "6381", "snapshot", "/tmp/q.snap"));
        assertThat(o.integer("capacity")).isEqualTo(10_000);
        assertThat(o.duration("snapshotInterval")).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.bool("startEmptyOnCorruptSnapshot")).isFalse();
        assertThat(o.integer("eventLoopThreads")).isEqualTo(1);
        assertThat(options(resp, Role.SOURCE, Map.of("port", 6380, "eventLoopThreads", 0)).integer("eventLoopThreads"))
                .isZero();
        assertThat(queue.binder().binds(Role.SINK, o))
                .containsExactly(new Bind(Bind.Protocol.TCP, "127.0.0.1", 6381));
        assertThat(resp.binder().binds(Role.SOURCE, options(resp, Role.SOURCE, Map.of("port", 6380))))
                .containsExactly(new Bind(Bind.Protocol.TCP, "127.0.0.1", 6380));
    }

    @Test
    void badOptionsAreRejectedWithTheirName() {
        EndpointType queue = TransportRegistry.load().find("priority-queue").orElseThrow();
        assertThatThrownBy(() -> options(queue, Role.SINK, Map.of("port", 1, "capacity", 0, "snapshotInterval", "soon")))
                .hasMessageContaining("priority-queue.capacity: must be at least 1")
                .hasMessageContaining("priority-queue.snapshotInterval: must be a duration");
        assertThatThrownBy(() -> options(queue, Role.SINK, Map.of("port", 1, "eventLoopThreads", -1)))
                .hasMessageContaining("priority-queue.eventLoopThreads: must be 0 or more");
        assertThatThrownBy(() -> options(queue, Role.SINK, Map.of("capacity", 5)))
                .hasMessageContaining("priority-queue.port: missing");
        EndpointType resp = TransportRegistry.load().find("resp").orElseThrow();
        EndpointOptions huge = options(resp, Role.SOURCE, Map.of("port", 0, "maxBulkLength", "1GiB"));
        assertThatThrownBy(() -> resp.sourceFactory().source(huge, new EndpointContext("p", null, System.out)))
                .hasMessageContaining("maxBulkLength must be at most 512MiB");
    }

    @Test
    void endpointsBuiltFromOptionsWorkEndToEnd() throws Exception {
        TransportRegistry registry = TransportRegistry.load();
        EndpointType resp = registry.find("resp").orElseThrow();
        EndpointType queue = registry.find("priority-queue").orElseThrow();
        EndpointContext ctx = new EndpointContext("jobs", new EventDispatcher(), System.out);
        ServerSource source = (ServerSource) resp.sourceFactory()
                .source(options(resp, Role.SOURCE, Map.of("port", 0)), ctx);
        Sink<Message> sink = queue.sinkFactory().sink(options(queue, Role.SINK, Map.of("port", 0, "capacity", 8)), ctx);
        Sinks.Empty<Void> stop = Sinks.empty();
        CompletableFuture<Void> done = sink.write(source.flux().takeUntilOther(stop.asMono())).toFuture();
        int producerPort = source.boundAddress().map(InetSocketAddress::getPort).block(Duration.ofSeconds(10));
        int workerPort = ((PriorityQueueSink) sink).boundAddress().map(InetSocketAddress::getPort)
                .block(Duration.ofSeconds(10));
        try (Jedis prod = new Jedis("127.0.0.1", producerPort); Jedis w = new Jedis("127.0.0.1", workerPort)) {
            RedisCli.send(prod, "UPDATE", "low", "1");
            prod.rpush("resque", "zero");
            RedisCli.send(prod, "UPDATE", "high", "9");
            RedisCli.await(() -> ((String) RedisCli.send(w, "INFO")).contains("received:3\r\n"), "3 items");
            assertThat(RedisCli.send(w, "NEXT")).isEqualTo("high");
            assertThat(RedisCli.send(w, "NEXT")).isEqualTo("low");
            assertThat(RedisCli.send(w, "NEXT")).isEqualTo("zero");
        }
        stop.tryEmitEmpty();
        done.get(20, TimeUnit.SECONDS);
    }
}
