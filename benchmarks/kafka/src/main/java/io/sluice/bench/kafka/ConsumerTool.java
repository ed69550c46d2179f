package io.sluice.bench.kafka;

import java.util.List;

/**
 * Runs {@code org.apache.kafka.tools.ConsumerPerformance} (kafka-consumer-perf-test) and reads its
 * {@code fetch.nMsg.sec} column (records per second from the partition assignment to the last record: the group join is excluded).
 */
final class ConsumerTool {

    private ConsumerTool() {
    }

    static double run(String bootstrap, String topic, int n, String group) throws Exception {
        String out = Jvm.run("kafka-consumer-" + topic, List.of("org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server",
                bootstrap, "--topic", topic, "--messages", Integer.toString(n), "--group", group,
                "--timeout", "120000"));
        String[] header = null;
        for (String line : out.split("\n")) {
            String[] cols = line.split(",\\s*");
            if (line.startsWith("start.time")) {
                header = cols;
            } else if (header != null && cols.length == header.length) {
                for (int i = 0; i < header.length; i++) {
                    if (header[i].trim().equals("fetch.nMsg.sec")) {
                        return Double.parseDouble(cols[i].trim());
                    }
                }
            }
        }
        throw new IllegalStateException("no result from ConsumerPerformance:\n" + out);
    }
}
