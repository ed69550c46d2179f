/**
 * Apache Kafka transport on {@code kafka-clients} 4.x: {@link io.sluice.transport.kafka.KafkaSink} (a
 * producer with {@code acks=all} and idempotence, bounded in-flight records, upstream requested only as
 * the broker acknowledges) and {@link io.sluice.transport.kafka.KafkaSource} (a consumer-group member
 * that pauses its partitions while downstream demand is zero and commits only offsets the pipeline
 * acknowledged, contiguously per partition). Built with {@link io.sluice.transport.kafka.KafkaBuilder}
 * ({@code Transports.kafka()}) or from YAML ({@code type: kafka}, see
 * {@link io.sluice.transport.kafka.KafkaProvider}).
 *
 * <p>reactor-kafka was discontinued in 2025 and never supported Kafka 4; this package is Sluice's own
 * thin bridge.
 */
package io.sluice.transport.kafka;
