package io.sluice.transport.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Reply order and flushing of both endpoints ({@link WorkerConnection}, {@link ReplyWriter}) with
 * pipelined raw RESP: every reply arrives, in command order, including behind a waiting {@code BNEXT}.
 */
class RespReplyOrderTest {

    private PriorityQueueSinkTest.Running running;

    @AfterEach
    void tearDown() throws Exception {
        if (running != null) {
            running.close();
        }
    }

    /** Reads from {@code in} until {@code expected} bytes came (10 s socket timeout). */
    private static String read(InputStream in, int expected) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (got.size() < expected) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            got.write(buf, 0, n);
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    /** Reads from {@code in} until what came ends with {@code end} (10 s socket timeout). */
    private static String readUntil(InputStream in, String end) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!got.toString(StandardCharsets.UTF_8).endsWith(end)) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            got.write(buf, 0, n);
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    @Test
    void commandsBehindAWaitingBnextAreAnsweredAfterItInOrder() throws Exception {
        running = new PriorityQueueSinkTest.Running(PriorityQueueSink.builder());
        try (Socket s = new Socket("127.0.0.1", running.workerPort); Jedis producer = running.producer()) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("BNEXT 10\r\nPING\r\nNEXT\r\nECHO end\r\n".getBytes(StandardCharsets.US_ASCII));
            running.awaitInfo("waiting_workers", 1);
            RedisCli.send(producer, "UPDATE", "wake", "1");
            String expected = "$4\r\nwake\r\n+PONG\r\n$-1\r\n$3\r\nend\r\n";
            assertThat(read(s.getInputStream(), expected.length())).isEqualTo(expected);
        }
    }

    @Test
    void aClosedConnectionStopsWaitingAndTheNextItemStaysQueued() throws Exception {
        running = new PriorityQueueSinkTest.Running(PriorityQueueSink.builder());
        try (Socket s = new Socket("127.0.0.1", running.workerPort)) {
            s.getOutputStream().write("BNEXT 0\r\n".getBytes(StandardCharsets.US_ASCII));
            running.awaitInfo("waiting_workers", 1);
        }
        running.awaitInfo("waiting_workers", 0);
        try (Jedis producer = running.producer(); Jedis worker = running.worker()) {
            RedisCli.send(producer, "UPDATE", "kept", "3");
            running.awaitInfo("size", 1);
            assertThat(RedisCli.send(worker, "NEXT")).isEqualTo("kept");
        }
    }

    @Test
    void aLongPipelinedBatchGetsEveryReplyInOrderFromBothEndpoints() throws Exception {
        running = new PriorityQueueSinkTest.Running(PriorityQueueSink.builder().capacity(5000));
        int n = 3000;
        StringBuilder updates = new StringBuilder();
        StringBuilder okays = new StringBuilder();
        for (int i = 0; i < n; i++) {
            updates.append("*3\r\n$6\r\nUPDATE\r\n$").append(("j" + i).length()).append("\r\nj").append(i)
                    .append("\r\n$1\r\n").append(i % 10).append("\r\n");
            okays.append("+OK\r\n");
        }
        updates.append("ECHO done\r\n");
        okays.append("$4\r\ndone\r\n");
        try (Socket s = new Socket("127.0.0.1", running.producerPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(updates.toString().getBytes(StandardCharsets.US_ASCII));
            assertThat(read(s.getInputStream(), okays.length())).isEqualTo(okays.toString());
        }
        running.awaitInfo("size", n);
        StringBuilder nexts = new StringBuilder();
        for (int i = 0; i < n; i++) {
            nexts.append("NEXT\r\n");
        }
        nexts.append("PING\r\n");
        try (Socket s = new Socket("127.0.0.1", running.workerPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(nexts.toString().getBytes(StandardCharsets.US_ASCII));
            String replies = readUntil(s.getInputStream(), "+PONG\r\n");
            // highest first: the 300 items of priority 9 first, in arrival order (FIFO among equals)
            assertThat(replies).startsWith("$2\r\nj9\r\n$3\r\nj19\r\n$3\r\nj29\r\n").endsWith("+PONG\r\n");
            assertThat(replies.split("\r\n\\$").length).isEqualTo(n);
        }
    }
}
