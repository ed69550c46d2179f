package io.sluice.transport.kafka;

import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import io.sluice.transport.spi.TransportProvider;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The {@code kafka} endpoint type: a source (consumer-group member) and a sink (producer).
 *
 * <pre>{@code
 * sink:   {type: kafka, bootstrap: "127.0.0.1:9092", topic: telemetry, key: device, acks: all, maxInFlight: 10000}
 * source: {type: kafka, bootstrap: "127.0.0.1:9092", topics: [telemetry], group: archivers}
 * }</pre>
 *
 * {@code properties:} passes client settings through (e.g. {@code linger.ms: 5}). A Kafka endpoint binds
 * nothing locally.
 */
public final class KafkaProvider implements TransportProvider {

    /** Found by {@link java.util.ServiceLoader}. */
    public KafkaProvider() {
    }

    @Override
    public List<EndpointType> endpointTypes() {
        return List.of(EndpointType.builder("kafka", "Apache Kafka producer (sink) or consumer-group member (source)")
                .option(OptionSpec.required("bootstrap", OptionType.STRING, "bootstrap servers, host:port[,host:port]"))
                .option(OptionSpec.required("topic", OptionType.STRING, "topic to write to").sinkOnly())
                .option(OptionSpec.required("topics", OptionType.STRING_LIST, "topics to consume").sourceOnly())
                .option(OptionSpec.required("group", OptionType.STRING, "consumer group to join").sourceOnly())
                .option(OptionSpec.optional("key", OptionType.STRING, null, "header whose value is the record key")
                        .sinkOnly())
                .option(OptionSpec.choice("acks", "all", "producer acks", "all", "1", "0").sinkOnly())
                .option(OptionSpec.optional("maxInFlight", OptionType.POSITIVE_INT, 10_000,
                        "records sent and not acknowledged (sink), fetched and not acknowledged (source)"))
                .option(OptionSpec.choice("oversize", "drop", "a record too large for Kafka: drop (counted) or fail",
                        "drop", "fail").sinkOnly())
                .option(OptionSpec.optional("timeout", OptionType.DURATION, Duration.ofSeconds(30),
                        "reaching the cluster and finding the topic at start; the producer's max.block.ms"))
                .option(OptionSpec.optional("commitInterval", OptionType.DURATION, Duration.ofSeconds(1),
                        "how often acknowledged offsets are committed").sourceOnly())
                .option(OptionSpec.optional("properties", OptionType.STRING_MAP, null,
                        "client settings passed through to kafka-clients"))
                .source((o, c) -> builder(o, c.pipeline()).topics(o.strings("topics")).group(o.string("group")).source())
                .sink((o, c) -> {
                    KafkaBuilder b = builder(o, c.pipeline()).topic(o.string("topic")).acks(o.string("acks"))
                            .keyHeader(o.string("key"))
                            .oversize(KafkaBuilder.Oversize.valueOf(o.string("oversize").toUpperCase(Locale.ROOT)));
                    return b.events(c.events()).sink();
                })
                .build());
    }

    private static KafkaBuilder builder(EndpointOptions o, String pipeline) {
        KafkaBuilder b = new KafkaBuilder().name(pipeline).bootstrap(o.string("bootstrap"))
                .maxInFlight(o.integer("maxInFlight")).timeout(o.duration("timeout"));
        if (o.has("commitInterval")) {
            b.commitInterval(o.duration("commitInterval"));
        }
        if (o.map("properties") != null) {
            b.properties(o.map("properties"));
        }
        return b;
    }
}
