package io.sluice.transport.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.overflow.Overflow;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A broker that goes away mid-stream: a {@link KafkaSink} pipeline behind a lossless
 * {@code Overflow.block} stage stops requesting (in flight stays bounded while nothing is
 * acknowledged), and once the broker is back it resumes and delivers everything exactly once
 * (idempotent producer). The cluster has a separate controller so its broker can restart alone.
 */
class KafkaBrokerOutageTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static KafkaTestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaTestBroker.start(Map.of(), false);
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void sinkStallsWhileTheBrokerIsDownAndResumesWithNothingLost() throws Exception {
        int total = 30_000;
        int maxInFlight = 500;
        int buffer = 256;
        broker.createTopic("outage", 2);
        KafkaSink sink = broker.client().topic("outage").keyHeader("device").maxInFlight(maxInFlight)
                .properties(Map.of("reconnect.backoff.max.ms", "200", "retry.backoff.max.ms", "200")).sink();
        AtomicLong generated = new AtomicLong();
        AtomicLong worst = new AtomicLong();
        Flux<Message> input = Flux.range(0, total).map(i -> KafkaRoundTripTest.message(i, 18))
                .doOnNext(m -> worst.accumulateAndGet(generated.incrementAndGet() - sink.metrics().messages(), Math::max))
                .transform(Overflow.block(buffer));
        Mono<Void> done = sink.write(input).cache();
        done.subscribe(null, e -> { });

        KafkaFlowControlTest.await(() -> sink.metrics().messages() >= 2_000, "2,000 acknowledged before the outage");
        long before = sink.metrics().messages();
        broker.restartBroker();
        long after = sink.metrics().messages();
        done.block(WAIT);

        assertThat(after).as("the outage interrupted the stream").isLessThan(total);
        assertThat(worst.get()).as("generated and not acknowledged").isLessThanOrEqualTo(maxInFlight + buffer);
        assertThat(sink.metrics().messages()).isEqualTo(total);
        List<Message> got = broker.client().topics("outage").group("outage-readers").source().flux()
                .take(total).collectList().block(WAIT);
        Set<String> ids = new HashSet<>();
        got.forEach(m -> ids.add(m.headers().get("i")));
        assertThat(ids).as("each record once (before the outage %d acknowledged)", before).hasSize(total);
    }
}
