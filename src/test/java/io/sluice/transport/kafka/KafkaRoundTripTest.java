package io.sluice.transport.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

class KafkaRoundTripTest {

    private static KafkaTestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaTestBroker.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void smoke() throws Exception {
        System.out.println("bootstrap " + broker.bootstrap());
        broker.createTopic("smoke", 2);
        KafkaSink sink = broker.client().topic("smoke").sink();
        sink.write(Flux.range(0, 10).map(i -> Message.ofUtf8("m" + i))).block(Duration.ofSeconds(30));
        KafkaSource src = broker.client().topics("smoke").group("g").source();
        var got = src.flux().take(10).collectList().block(Duration.ofSeconds(30));
        assertThat(got).hasSize(10);
    }
}
