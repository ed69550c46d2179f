package io.sluice.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.Ack;
import io.sluice.Message;
import io.sluice.transport.Transports;
import io.sluice.transport.grpc.GrpcSource;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.grpc.proto.IngestGrpc;
import io.sluice.transport.http.HttpSource;
import io.sluice.transport.tcp.Framing;
import io.sluice.transport.tcp.TcpSource;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/**
 * A disk that fails (ENOSPC on a write or an fsync, injected through {@link FaultyFs} under the real
 * file system) while real sources feed a persistent log: each source refuses new messages (HTTP 503,
 * gRPC {@code RESOURCE_EXHAUSTED}, TCP {@code acks} count withheld) promptly, the log reports it
 * ({@link PersistentOverflow#failure()}, {@link PersistentOverflow#refusedAfterFailure()}: the
 * {@code sluice.persistent.failed} gauge and {@code sluice.overflow.dropped}; one ERROR line), and
 * nothing acknowledged before the failure is lost: after a restart on a healthy disk the log
 * delivers every one of them.
 */
class DiskErrorTest {

    private static final Duration T = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private final ExecutorService handoff = Executors.newSingleThreadExecutor();
    private final List<String> delivered = new CopyOnWriteArrayList<>();
    private Disposable running;
    private PersistentOverflow log;

    @AfterEach
    void stop() {
        if (running != null) {
            running.dispose();
        }
        handoff.shutdownNow();
    }

    /**
     * Source -> hand-off thread (as the gateway's persistent stage) -> log -> a consumer that never
     * acknowledges (so everything stays on disk for the restart check), with {@link Ack#AWAITED}
     * written for the source.
     */
    private FaultyFs start(Flux<Message> source, Fsync fsync) throws IOException {
        java.nio.file.Files.createDirectories(tmp.resolve("log"));
        FaultyFs fs = new FaultyFs(tmp.resolve("log"));
        log = new PersistentBuilder(tmp.resolve("log")).name("disk").fsync(fsync).explicitAck(10_000)
                .build(fs);
        running = source.publishOn(Schedulers.fromExecutor(handoff::execute), 256)
                .transform(log)
                .contextWrite(Context.of(Ack.AWAITED, Boolean.TRUE))
                .subscribe(m -> delivered.add(new String(m.payload(), StandardCharsets.UTF_8)));
        return fs;
    }

    /** Closes the failed log and reopens the directory on a healthy disk: what does it deliver? */
    private List<String> restartAndReadAll() throws Exception {
        running.dispose();
        try {
            log.close();
        } catch (IOException expected) {
            // the final force fails too: nothing more is made durable, nothing durable is touched
        }
        List<String> again = new ArrayList<>();
        try (PersistentOverflow reopened = new PersistentBuilder(tmp.resolve("log")).name("disk").build()) {
            Flux.<Message>never().transform(reopened).take(reopened.backlogAtOpen()).timeout(T)
                    .doOnNext(m -> again.add(new String(m.payload(), StandardCharsets.UTF_8))).blockLast();
        }
        return again;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + T.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void httpAnswers503PromptlyOnceAnFsyncFailedAndNothing202dIsLost() throws Exception {
        HttpSource source = Transports.http().acceptTimeout(T).source();
        FaultyFs fs = start(source.flux(), Fsync.every(Duration.ofMillis(10)));
        URI uri = URI.create("http://127.0.0.1:" + source.boundAddress().block(T).getPort() + "/ingest");
        HttpClient client = HttpClient.newHttpClient();
        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String body = "ok-" + i;
            assertThat(post(client, uri, body)).as("positive control: durable, 202").isEqualTo(202);
            accepted.add(body);
        }
        fs.failForces = true;
        long t0 = System.nanoTime();
        assertThat(post(client, uri, "after-fsync-error")).isEqualTo(503);
        assertThat(post(client, uri, "after-failure")).isEqualTo(503);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("refused at once, not after acceptTimeout")
                .isLessThan(T.dividedBy(2));
        assertThat(log.failure()).hasMessageContaining(FaultyFs.ENOSPC);
        assertThat(log.refusedAfterFailure()).isGreaterThanOrEqualTo(2);
        await(() -> delivered.containsAll(accepted), "what was on disk is still delivered");
        assertThat(restartAndReadAll()).as("after a restart on a healthy disk").containsAll(accepted);
    }

    private static int post(HttpClient client, URI uri, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).timeout(T).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void grpcIsResourceExhaustedOnceAWriteFailed() throws Exception {
        GrpcSource source = Transports.grpc().source();
        FaultyFs fs = start(source.flux(), Fsync.ALWAYS);
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", source.boundAddress().block(T).getPort())
                .usePlaintext().build();
        try {
            var stub = IngestGrpc.newBlockingStub(ch);
            for (int i = 0; i < 10; i++) {
                assertThat(stub.withDeadlineAfter(10, TimeUnit.SECONDS).send(envelope("ok-" + i)).getCount())
                        .as("positive control").isEqualTo(1);
            }
            fs.failWrites = true;
            for (int i = 0; i < 2; i++) {
                String body = "refused-" + i;
                assertThatThrownBy(() -> stub.withDeadlineAfter(10, TimeUnit.SECONDS).send(envelope(body)))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                            assertThat(e.getStatus().getDescription()).contains("persistent log failed");
                        });
            }
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        assertThat(log.failure()).hasMessageContaining(FaultyFs.ENOSPC);
        assertThat(log.refusedAfterFailure()).isEqualTo(2);
        List<String> again = restartAndReadAll();
        for (int i = 0; i < 10; i++) {
            assertThat(again).contains("ok-" + i);
        }
        assertThat(again).doesNotContain("refused-0", "refused-1");
    }

    private static Envelope envelope(String text) {
        return Envelope.newBuilder().setPayload(ByteString.copyFromUtf8(text)).build();
    }

    @Test
    void tcpWithholdsTheCountOnceAWriteFailed() throws Exception {
        TcpSource source = Transports.tcp().framing(Framing.lengthPrefixed()).acks(true).source();
        FaultyFs fs = start(source.flux(), Fsync.ALWAYS);
        try (Socket s = new Socket("127.0.0.1", source.boundAddress().block(T).getPort())) {
            s.setSoTimeout((int) T.toMillis());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            send(out, "ok-", 10);
            long count = 0;
            while (count < 10) {
                count = in.readLong(); // positive control: counts come while the disk works
            }
            fs.failWrites = true;
            send(out, "refused-", 5);
            await(() -> log.refusedAfterFailure() == 5, "the 5 messages after the failure reached the log and were refused");
            long last = count;
            assertThatThrownBy(() -> {
                while (true) {
                    assertThat(in.readLong()).as("no count covers a refused message").isEqualTo(last);
                }
            }).as("the connection is closed after the last count").isInstanceOf(java.io.EOFException.class);
        }
        assertThat(log.failure()).hasMessageContaining(FaultyFs.ENOSPC);
        List<String> again = restartAndReadAll();
        for (int i = 0; i < 10; i++) {
            assertThat(again).contains("ok-" + i);
        }
    }

    private static void send(DataOutputStream out, String prefix, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            byte[] p = (prefix + i).getBytes(StandardCharsets.UTF_8);
            out.writeInt(p.length);
            out.write(p);
        }
        out.flush();
    }
}
