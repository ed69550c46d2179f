package io.sluice.transport.kafka;

import io.sluice.Message;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * What the Kafka sink and source share: client settings, the start-up check that tells "cluster
 * unreachable" from "topic missing", and the mapping between {@link Message} and Kafka records.
 */
final class KafkaClients {

    private KafkaClients() {
    }

    /** The builder's properties over the common settings (bootstrap, client id). */
    static Map<String, Object> common(KafkaBuilder b, String clientIdSuffix) {
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "sluice-" + b.name + "-" + clientIdSuffix);
        return p;
    }

    /**
     * Checks, within {@code timeout}, that the cluster answers and (when {@code topics} is not null)
     * that every topic exists.
     *
     * @throws KafkaTransportException naming the bootstrap servers or the missing topics
     */
    static void check(KafkaBuilder b, Collection<String> topics) {
        Map<String, Object> p = new HashMap<>();
        b.properties.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) {
                p.put(k, v);
            }
        });
        p.putAll(common(b, "check"));
        int ms = (int) Math.min(Integer.MAX_VALUE, b.timeout.toMillis());
        long deadline = System.nanoTime() + b.timeout.toNanos();
        try (Admin admin = Admin.create(p)) {
            try {
                admin.describeCluster(new DescribeClusterOptions().timeoutMs(ms)).clusterId()
                        .get(ms + 1000L, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new KafkaTransportException("cannot reach Kafka at " + b.bootstrap + " within " + b.timeout
                        + ": " + cause(e), e);
            }
            if (topics == null) {
                return;
            }
            int left = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            Set<String> names;
            try {
                names = admin.listTopics(new ListTopicsOptions().timeoutMs(left)).names()
                        .get(left + 1000L, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new KafkaTransportException("cannot list the topics of Kafka at " + b.bootstrap + ": "
                        + cause(e), e);
            }
            Set<String> missing = new TreeSet<>(topics);
            missing.removeAll(names);
            if (!missing.isEmpty()) {
                throw new KafkaTransportException("topic" + (missing.size() > 1 ? "s " : " ") + missing
                        + " not found on Kafka at " + b.bootstrap, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaTransportException("interrupted while checking Kafka at " + b.bootstrap, e);
        } catch (KafkaException e) {
            throw new KafkaTransportException("cannot use Kafka at " + b.bootstrap + ": " + cause(e), e);
        }
    }

    static String cause(Throwable e) {
        Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }

    /** The record for {@code m}: its payload, headers (UTF-8), timestamp, and key (see {@link KafkaBuilder#keyHeader}). */
    static ProducerRecord<byte[], byte[]> record(String topic, String keyHeader, Message m) {
        Map<String, String> hs = m.headers();
        String key = keyHeader == null ? null : hs.get(keyHeader);
        if (key == null) {
            key = m.key().orElse(null);
        }
        // none: null, the record makes its own empty headers (it copies whatever it is given)
        List<Header> headers = null;
        if (!hs.isEmpty()) {
            headers = new ArrayList<>(hs.size());
            for (Map.Entry<String, String> h : hs.entrySet()) {
                headers.add(new RecordHeader(h.getKey(), h.getValue().getBytes(StandardCharsets.UTF_8)));
            }
        }
        return new ProducerRecord<>(topic, null, m.timestamp(), key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                m.payload(), headers);
    }

    /**
     * The message for {@code r}: the value (empty for a tombstone) as payload, headers and key decoded as
     * UTF-8 (a header repeated under one name keeps its last value), the record's timestamp, and its
     * offset as sequence.
     */
    static Message message(ConsumerRecord<byte[], byte[]> r) {
        Message.Builder b = Message.builder().payload(r.value() == null ? new byte[0] : r.value())
                .timestamp(r.timestamp()).sequence(r.offset());
        if (r.key() != null) {
            b.key(new String(r.key(), StandardCharsets.UTF_8));
        }
        Header[] hs = r.headers().toArray();
        if (hs.length > 0) {
            Map<String, String> h = new LinkedHashMap<>();
            for (Header x : hs) {
                h.put(x.key(), x.value() == null ? "" : new String(x.value(), StandardCharsets.UTF_8));
            }
            b.headers(h);
        }
        return b.build();
    }
}
