package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketConnector;
import io.rsocket.exceptions.ApplicationErrorException;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.util.DefaultPayload;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RSocket request-response with metadata is one message, answered with an empty payload once the
 * pipeline has it (durable, with a persistent stage) and with an error when it is not durable within
 * {@code ackTimeout}; without metadata it stays the fire-and-forget barrier.
 */
class DurableRSocketAckTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    /** Routing metadata with the one tag "ingest": [uint8 length, tag]. */
    private static final byte[] ROUTE = "\u0006ingest".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    private interface Client {
        void run(RSocket r) throws Exception;
    }

    private Path withGateway(String overflow, Client client) throws Exception {
        int port = DurableGateways.freePort();
        Path out = tmp.resolve("out-" + port + ".txt");
        Gateway g = DurableGateways.start("{type: rsocket, host: 127.0.0.1, port: " + port + ", ackTimeout: 1s}",
                overflow.replace("LOG", tmp.resolve("log-" + port).toString()), out);
        RSocket r = null;
        try {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (r == null) {
                try {
                    r = RSocketConnector.create().connect(TcpClientTransport.create("127.0.0.1", port)).block(WAIT);
                } catch (RuntimeException notBoundYet) {
                    assertThat(System.nanoTime()).as("bound in time").isLessThan(deadline);
                    Thread.sleep(20);
                }
            }
            client.run(r);
        } finally {
            if (r != null) {
                r.dispose();
            }
            g.stop().block(Duration.ofSeconds(10));
        }
        return out;
    }

    private static Payload message(String text) {
        return DefaultPayload.create(text.getBytes(StandardCharsets.UTF_8), ROUTE);
    }

    @Test
    void durableRequestIsAnsweredWithAnEmptyPayload() throws Exception {
        Path out = withGateway("{policy: persistent, path: 'LOG', fsync: always}", r -> {
            for (int i = 0; i < 20; i++) {
                Payload p = r.requestResponse(message("rr-" + i)).block(WAIT);
                assertThat(p.data().readableBytes()).isZero();
                p.release();
            }
            Payload barrier = r.requestResponse(DefaultPayload.create("barrier")).block(WAIT);
            assertThat(barrier.getDataUtf8()).as("without metadata: the barrier (fire-and-forget count)").isEqualTo("0");
            barrier.release();
        });
        String written = Files.readString(out);
        for (int i = 0; i < 20; i++) {
            assertThat(written).contains("rr-" + i);
        }
        assertThat(written).doesNotContain("barrier");
    }

    @Test
    void notDurableInTimeIsAnError() throws Exception {
        withGateway("{policy: persistent, path: 'LOG', fsync: 1h}", r -> assertThatThrownBy(
                () -> r.requestResponse(message("never forced")).block(WAIT))
                .isInstanceOf(ApplicationErrorException.class).hasMessageContaining("not durable within"));
    }

    @Test
    void withoutAPersistentStageTheRequestIsAnsweredOnceQueued() throws Exception {
        Path out = withGateway("{policy: block, capacity: 16}", r -> {
            Payload p = r.requestResponse(message("in memory")).block(WAIT);
            assertThat(p.data().readableBytes()).isZero();
            p.release();
        });
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!(Files.exists(out) && Files.readString(out).contains("in memory")) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(Files.readString(out)).contains("in memory");
    }
}
