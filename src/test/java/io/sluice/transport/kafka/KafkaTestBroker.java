package io.sluice.transport.kafka;

import io.sluice.transport.Transports;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real, single-node Apache Kafka cluster in KRaft mode (one combined broker and controller) in this
 * JVM, from Kafka's own {@code kafka-test-common-runtime}; started once per test class. Topics are not
 * created automatically, so a missing topic stays missing; a new consumer group starts at once
 * ({@code group.initial.rebalance.delay.ms=0}).
 */
final class KafkaTestBroker {

    static {
        // the broker logs thousands of INFO lines; read by slf4j-simple when each logger is created
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.kafka", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.state.change.logger", "warn");
    }

    private final KafkaClusterTestKit cluster;
    private final Admin admin;

    private KafkaTestBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        this.admin = cluster.admin();
    }

    /**
     * @param extra broker settings on top of the test defaults
     * @return a started, ready broker
     * @throws Exception if it does not start
     */
    static KafkaTestBroker start(Map<String, Object> extra) throws Exception {
        return start(extra, true);
    }

    /**
     * @param extra broker settings on top of the test defaults
     * @param combined one node as broker and controller; else a broker node and a controller node (so the
     *     broker can be restarted alone)
     * @return a started, ready cluster
     * @throws Exception if it does not start
     */
    static KafkaTestBroker start(Map<String, Object> extra, boolean combined) throws Exception {
        KafkaClusterTestKit.Builder b = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(combined).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("auto.create.topics.enable", "false")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("group.min.session.timeout.ms", "1000")
                .setConfigProp("offsets.topic.num.partitions", "1")
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                .setConfigProp("num.partitions", "1");
        extra.forEach(b::setConfigProp);
        KafkaClusterTestKit c = b.build();
        try {
            c.format();
            c.startup();
            c.waitForReadyBrokers();
        } catch (Exception e) {
            c.close();
            throw e;
        }
        return new KafkaTestBroker(c);
    }

    static KafkaTestBroker start() throws Exception {
        return start(Map.of());
    }

    /** @return the bootstrap servers */
    String bootstrap() {
        return cluster.bootstrapServers();
    }

    /** Creates a topic and waits (bounded) until it is created. */
    void createTopic(String name, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        awaitMetadataApplied();
    }

    /**
     * Waits (bounded) until the broker applied all the metadata the controller committed, as Kafka's own
     * {@code ClusterInstance.waitForTopic} does: {@code createTopics} returns once the controller committed
     * the topic, and a producer writing at once could reach a broker that is not its partitions' leader
     * yet ({@code NOT_LEADER_OR_FOLLOWER}). Seen once: the first batch of an idempotent producer was
     * refused that way while its next ones were taken, and its retry was then refused forever as
     * out of order ({@code OUT_OF_ORDER_SEQUENCE_NUMBER}), so a write never completed.
     */
    private void awaitMetadataApplied() throws InterruptedException {
        long committed = cluster.controllers().values().stream()
                .mapToLong(c -> c.raftManager().client().highWatermark().orElse(0) - 1).max().orElse(-1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!cluster.brokers().values().stream()
                .allMatch(b -> b.sharedServer().loader().lastAppliedOffset() >= committed)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the broker did not apply metadata offset " + committed + " within 30 s");
            }
            Thread.sleep(10);
        }
    }

    /** Shuts the broker down and starts it again on the same port (the controller stays up). */
    void restartBroker() {
        cluster.restartBroker(cluster.brokers().keySet().iterator().next(), Map.of());
    }

    /** @return the admin client of this cluster */
    Admin admin() {
        return admin;
    }

    /** @return a builder with this broker's bootstrap servers and short test timeouts */
    KafkaBuilder client() {
        return Transports.kafka().bootstrap(bootstrap()).timeout(Duration.ofSeconds(20))
                .closeTimeout(Duration.ofSeconds(5));
    }

    /** Stops the cluster and deletes its data. */
    void close() throws Exception {
        admin.close(Duration.ofSeconds(5));
        cluster.close();
    }
}
