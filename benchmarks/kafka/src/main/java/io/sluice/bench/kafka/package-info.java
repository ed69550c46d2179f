/** Kafka benchmark: Sluice's Kafka sink and source against Kafka's own perf tools on one broker. */
package io.sluice.bench.kafka;
