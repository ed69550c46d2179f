package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.gateway.GatewayConfig;
import io.sluice.transport.Transports;
import io.sluice.transport.tcp.Framing;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/** {@code sluice run} of a config: TCP in, overwrite-oldest, file out; then a graceful stop. */
class RunEndToEndTest {

    @TempDir
    Path tmp;

    @Test
    void tcpToOverwriteOldestToFileIsByteExactAndDrainsOnStop() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path out = tmp.resolve("out.log");
        String yaml = "drainTimeout: 10s\n"
                + "pipelines:\n"
                + "  - name: tcp-in\n"
                + "    source: {type: tcp, host: 127.0.0.1, port: " + port + ", framing: length-prefixed}\n"
                + "    overflow: {policy: overwrite-oldest, capacity: 100000}\n"
                + "    sink: {type: file, path: '" + out + "', format: length-prefixed}\n";
        GatewayConfig config = GatewayConfig.parse(yaml);
        StringWriter summary = new StringWriter();
        CountDownLatch stop = new CountDownLatch(1);
        ExecutorService exec = Executors.newSingleThreadExecutor();
        java.util.concurrent.atomic.AtomicReference<io.sluice.gateway.Gateway> gateway =
                new java.util.concurrent.atomic.AtomicReference<>();
        Future<Integer> exit = exec.submit(() -> SluiceCli.runGateway(config, new PrintWriter(summary, true),
                Duration.ofMinutes(2), stop, gateway::set));
        try {
            awaitListening(port);
            List<byte[]> payloads = IntStream.range(0, 5000)
                    .mapToObj(i -> ("msg-" + i + "-" + "x".repeat(i % 97)).getBytes(StandardCharsets.UTF_8))
                    .collect(Collectors.toList());
            Transports.tcp().host("127.0.0.1").port(port).framing(Framing.lengthPrefixed()).sink()
                    .write(Flux.fromIterable(payloads).map(Message::of))
                    .block(Duration.ofSeconds(30));

            // The client has written everything; wait (bounded) until the gateway has read it all.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (gateway.get().report().get(0).received() < payloads.size() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            stop.countDown(); // as SIGTERM would: stop ingesting, drain, summarise
            assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();

            byte[] expected = lengthPrefixed(payloads);
            byte[] actual = Files.readAllBytes(out);
            assertThat(actual.length).isEqualTo(expected.length);
            assertThat(java.util.Arrays.mismatch(actual, expected)).as("first differing byte").isEqualTo(-1);
            assertThat(summary.toString()).containsPattern("tcp-in\\s+overwrite-oldest\\s+5,000\\s+5,000\\s+0")
                    .contains("STOPPED").contains("yes");
        } finally {
            stop.countDown();
            exec.shutdownNow();
        }
    }

    private static byte[] lengthPrefixed(List<byte[]> payloads) {
        int size = payloads.stream().mapToInt(p -> 4 + p.length).sum();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(size);
        payloads.forEach(p -> b.putInt(p.length).put(p));
        return b.array();
    }

    private static void awaitListening(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("gateway did not listen on " + port);
    }
}
