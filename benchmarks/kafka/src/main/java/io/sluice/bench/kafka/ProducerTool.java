package io.sluice.bench.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs {@code org.apache.kafka.tools.ProducerPerformance} (kafka-producer-perf-test) and reads its summary. */
final class ProducerTool {

    /** The summary line: "N records sent, R records/sec (M MB/sec), ... 50th, ..." */
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) records sent, ([\\d.]+) records/sec.*50th");

    private ProducerTool() {
    }

    /**
     * @param warmTopic with {@code warmN > 0}: the topic ProducerPerformance first writes {@code warmN}
     *        records to in the same JVM ({@link ToolWarmup}), not timed
     */
    static double run(String bootstrap, String topic, int n, int size, Map<String, String> props, String warmTopic,
            int warmN) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (warmN > 0) {
            cmd.addAll(List.of(ToolWarmup.class.getName(), warmTopic, Integer.toString(warmN)));
        }
        cmd.addAll(List.of("org.apache.kafka.tools.ProducerPerformance", "--topic", topic,
                "--num-records", Integer.toString(n), "--record-size", Integer.toString(size), "--throughput", "-1",
                "--producer-props", "bootstrap.servers=" + bootstrap));
        props.forEach((k, v) -> cmd.add(k + "=" + v));
        if (warmN > 0) {
            cmd.remove(3); // ToolWarmup calls ProducerPerformance itself
        }
        String out = Jvm.run("kafka-producer-" + size + "-" + topic, cmd);
        Matcher m = SUMMARY.matcher(out);
        double rate = -1;
        while (m.find()) {
            if (Long.parseLong(m.group(1)) == n) {
                rate = Double.parseDouble(m.group(2));
            }
        }
        if (rate < 0) {
            throw new IllegalStateException("no summary from ProducerPerformance:\n" + out);
        }
        return rate;
    }
}
