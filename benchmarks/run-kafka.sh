#!/usr/bin/env bash
# KafkaSink vs ProducerPerformance (kafka-producer-perf-test) and KafkaSource vs ConsumerPerformance
# (kafka-consumer-perf-test), 100 B and 1 KB records, acks=all, same batch settings, one in-process KRaft
# broker, one run (issue #15). Outputs benchmarks/results/kafka-<UTC time>.md.
#
#   benchmarks/run-kafka.sh                          full run (1,000,000 records at 100 B, 250,000 at 1 KB)
#   benchmarks/run-kafka.sh --smoke                  20,000 records: proves every cell runs, measures nothing
#   benchmarks/run-kafka.sh --partitions 4 --records 2000000 --bootstrap 127.0.0.1:9092
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/results"
for a in "$@"; do
  [ "$a" = "--smoke" ] && out="$here/kafka/target/smoke"
done
cd "$here/.."
mvn -q -B -DskipTests install
cd "$here/kafka"
mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
java -Xms1g -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "target/classes:$(cat target/classpath.txt)" io.sluice.bench.kafka.KafkaBench --out "$out" "$@"
