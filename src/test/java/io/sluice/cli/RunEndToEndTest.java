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
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import io.sluice.gateway.Gateway;
import io.sluice.gateway.PipelineReport;
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

    /**
     * Through the real command line ({@code SluiceCli run FILE} in its own JVM, stopped by SIGTERM):
     * a consumer far slower than the sender makes overwrite-oldest overwrite; the file then holds,
     * byte for byte and in order, a subsequence of what was sent that ends with exactly the newest
     * {@code capacity} messages (the buffer's content when the last one arrived).
     */
    @Test
    void cliRunOverwritesTheOldestAndTheFileEndsWithTheNewestInOrder() throws Exception {
        int port = freePort();
        int capacity = 100;
        int count = 5000;
        Path out = tmp.resolve("newest.log");
        Path config = Files.writeString(tmp.resolve("gw.yaml"), "admin: {host: 127.0.0.1, port: 0}\n"
                + "drainTimeout: 30s\n"
                + "pipelines:\n"
                + "  - name: tcp-in\n"
                + "    source: {type: tcp, host: 127.0.0.1, port: " + port + ", framing: length-prefixed}\n"
                + "    overflow: {policy: overwrite-oldest, capacity: " + capacity + "}\n"
                + "    steps:\n"
                + "      - {type: delay, per: 5ms}\n"
                + "    sink: {type: file, path: '" + out + "', format: length-prefixed}\n");
        Path stdout = tmp.resolve("stdout.txt");
        Path stderr = tmp.resolve("stderr.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                SluiceCli.class.getName(), "run", config.toString()))
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        try {
            String admin = awaitAdminUrl(p, stdout, stderr);
            awaitListening(port);
            List<byte[]> payloads = payloads(count);
            Transports.tcp().host("127.0.0.1").port(port).framing(Framing.lengthPrefixed()).sink()
                    .write(Flux.fromIterable(payloads).map(Message::of))
                    .block(Duration.ofSeconds(30));
            awaitMetric(admin, "sluice_messages_received_total{pipeline=\"tcp-in\"}", count);

            p.destroy(); // SIGTERM: stop ingesting, drain, summary, exit 0
            assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
            String summary = Files.readString(stdout);
            assertThat(p.exitValue()).as(summary + Files.readString(stderr)).isZero();
            Matcher row = Pattern.compile("(?m)^tcp-in\\s+overwrite-oldest\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+)"
                    + "\\s+([\\d,]+)\\s+([\\d,]+)\\s+yes\\s+STOPPED$").matcher(summary);
            assertThat(row.find()).as(summary).isTrue();
            long received = number(row.group(1));
            long delivered = number(row.group(2));
            long dropped = number(row.group(3));
            assertThat(received).isEqualTo(count);
            assertThat(dropped).as("overwrite-oldest overwrote").isPositive();
            assertThat(delivered + dropped).isEqualTo(count);
            assertThat(number(row.group(5))).as("cancelled").isZero();

            List<byte[]> frames = frames(Files.readAllBytes(out));
            assertThat(frames).hasSize((int) delivered);
            List<Integer> indices = new java.util.ArrayList<>();
            for (byte[] f : frames) {
                int i = Integer.parseInt(new String(f, StandardCharsets.UTF_8).split("-")[1]);
                assertThat(f).as("frame of message %d", i).isEqualTo(payloads.get(i));
                indices.add(i);
            }
            assertThat(indices).isSorted().doesNotHaveDuplicates();
            assertThat(indices.subList(indices.size() - capacity, indices.size()))
                    .isEqualTo(IntStream.range(count - capacity, count).boxed().toList());
        } finally {
            p.destroyForcibly();
        }
    }

    /** A stop while a slow sink still has messages buffered drains them all, in order, within the drain timeout. */
    @Test
    void stopWithMessagesBufferedDrainsThemAll() throws Exception {
        int port = freePort();
        Path out = tmp.resolve("drained.log");
        GatewayConfig config = GatewayConfig.parse("drainTimeout: 30s\n"
                + "pipelines:\n"
                + "  - name: tcp-in\n"
                + "    source: {type: tcp, host: 127.0.0.1, port: " + port + ", framing: length-prefixed}\n"
                + "    overflow: {policy: block, capacity: 1000}\n"
                + "    steps:\n"
                + "      - {type: delay, per: 5ms}\n"
                + "    sink: {type: file, path: '" + out + "', format: length-prefixed}\n");
        StringWriter summary = new StringWriter();
        CountDownLatch stop = new CountDownLatch(1);
        ExecutorService exec = Executors.newSingleThreadExecutor();
        AtomicReference<Gateway> gateway = new AtomicReference<>();
        Future<Integer> exit = exec.submit(() -> SluiceCli.runGateway(config, new PrintWriter(summary, true),
                Duration.ofMinutes(2), stop, gateway::set));
        try {
            awaitListening(port);
            List<byte[]> payloads = payloads(400);
            Transports.tcp().host("127.0.0.1").port(port).framing(Framing.lengthPrefixed()).sink()
                    .write(Flux.fromIterable(payloads).map(Message::of))
                    .block(Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (gateway.get().report().get(0).received() < payloads.size() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            PipelineReport before = gateway.get().report().get(0);
            assertThat(before.received()).isEqualTo(400);
            assertThat(before.buffered()).as("messages still buffered when the stop comes").isPositive();
            assertThat(before.delivered()).isLessThan(400);

            stop.countDown();
            assertThat(exit.get(90, TimeUnit.SECONDS)).isZero();

            PipelineReport after = gateway.get().report().get(0);
            assertThat(after.outcome()).isEqualTo("STOPPED");
            assertThat(after.delivered()).isEqualTo(400);
            assertThat(after.discarded()).isZero();
            assertThat(after.buffered()).isZero();
            assertThat(Files.readAllBytes(out)).isEqualTo(lengthPrefixed(payloads));
            assertThat(summary.toString()).containsPattern("(?m)^tcp-in\\s+block\\s+400\\s+400\\s+0\\s+0\\s+0\\s+yes"
                    + "\\s+STOPPED$");
        } finally {
            stop.countDown();
            exec.shutdownNow();
        }
    }

    private static List<byte[]> payloads(int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> ("msg-" + i + "-" + "x".repeat(i % 97)).getBytes(StandardCharsets.UTF_8))
                .collect(Collectors.toList());
    }

    private static long number(String formatted) {
        return Long.parseLong(formatted.replace(",", ""));
    }

    private static List<byte[]> frames(byte[] file) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(file);
        List<byte[]> frames = new java.util.ArrayList<>();
        while (b.remaining() >= 4) {
            byte[] f = new byte[b.getInt()];
            b.get(f);
            frames.add(f);
        }
        assertThat(b.remaining()).as("trailing bytes").isZero();
        return frames;
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }

    private static String awaitAdminUrl(Process p, Path stdout, Path stderr) throws Exception {
        Pattern admin = Pattern.compile("admin: (http://\\S+)/ \\(dashboard\\)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Matcher m = admin.matcher(Files.exists(stdout) ? Files.readString(stdout) : "");
            if (m.find()) {
                return m.group(1);
            }
            assertThat(p.isAlive()).as("sluice run exited early: %s", Files.readString(stderr)).isTrue();
            Thread.sleep(50);
        }
        throw new AssertionError("sluice run printed no admin URL");
    }

    private static void awaitMetric(String admin, String series, double expected) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Pattern line = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        double seen = Double.NaN;
        while (System.nanoTime() < deadline) {
            String body = http.send(HttpRequest.newBuilder(URI.create(admin + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = line.matcher(body);
            seen = m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
            if (seen == expected) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(series + " stayed at " + seen + ", expected " + expected);
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
