package io.sluice.bench.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** The broker of a benchmark run: an in-process KRaft node (Kafka's test kit) or an existing cluster. */
final class Broker implements AutoCloseable {

    private final KafkaClusterTestKit cluster;
    private final String bootstrap;
    private final Admin admin;

    private Broker(KafkaClusterTestKit cluster, String bootstrap) {
        this.cluster = cluster;
        this.bootstrap = bootstrap;
        this.admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
    }

    static Broker external(String bootstrap) {
        return new Broker(null, bootstrap);
    }

    static Broker inProcess() throws Exception {
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.kafka", "warn");
        KafkaClusterTestKit c = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        c.format();
        c.startup();
        c.waitForReadyBrokers();
        return new Broker(c, c.bootstrapServers());
    }

    String bootstrap() {
        return bootstrap;
    }

    void createTopic(String name, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        admin.close(Duration.ofSeconds(5));
        if (cluster != null) {
            cluster.close();
        }
    }
}
