package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.sluice.transport.grpc.proto.Ack;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.grpc.proto.IngestGrpc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing a gRPC {@code Exchange} acknowledged is lost on {@code kill -9}: a grpc-java client sends
 * 20,000 unique envelopes on one {@code Exchange} per connection to a real {@code sluice run}
 * process with a persistent stage; each {@code Ack} (count n: the first n envelopes of that call)
 * marks envelopes acknowledged. The gateway is killed with SIGKILL three times at random moments
 * and restarted; the client opens a new call and sends whatever was not acknowledged. Every
 * acknowledged envelope must be in the sink file ({@link KillHarness}).
 */
class DurableGrpcKillTest {

    /** Unacknowledged envelopes on a call before the client waits. */
    private static final int WINDOW = 2_000;

    @TempDir
    Path tmp;

    /** One Exchange per session; the n-th Ack of a call covers the first n envelopes sent on it. */
    static final class Exchanger extends KillHarness.BitSetSender {

        @Override
        public void session(int port, long deadlineNanos, Process gateway) throws InterruptedException {
            if (!KillHarness.awaitListening(port, deadlineNanos, gateway)) {
                return;
            }
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            List<Integer> sent = new ArrayList<>();
            long[] count = new long[1];
            CountDownLatch ended = new CountDownLatch(1);
            try {
                StreamObserver<Envelope> call = IngestGrpc.newStub(ch).exchange(new StreamObserver<>() {
                    @Override
                    public void onNext(Ack a) {
                        synchronized (Exchanger.this) {
                            for (long k = count[0]; k < a.getCount(); k++) {
                                acknowledge(sent.get((int) k));
                            }
                            count[0] = Math.max(count[0], a.getCount());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        ended.countDown(); // killed (UNAVAILABLE) or refused: a new call resends
                    }

                    @Override
                    public void onCompleted() {
                        ended.countDown();
                    }
                });
                for (int i = 0; i < KillHarness.MESSAGES && ended.getCount() > 0; i++) {
                    if (isAcknowledged(i)) {
                        continue;
                    }
                    synchronized (this) {
                        sent.add(i);
                    }
                    call.onNext(Envelope.newBuilder().setPayload(ByteString.copyFrom(KillHarness.payload(i)))
                            .setSequence(i).build());
                    while (unacknowledgedOnCall(sent, count) > WINDOW && ended.getCount() > 0
                            && System.nanoTime() < deadlineNanos) {
                        Thread.sleep(1);
                    }
                }
                call.onCompleted();
                ended.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            } finally {
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }

        private synchronized long unacknowledgedOnCall(List<Integer> sent, long[] count) {
            return sent.size() - count[0];
        }
    }

    @Test
    void everyAcknowledgedEnvelopeSurvivesTheKills() throws Exception {
        KillHarness.Result r = new KillHarness(tmp).run(port -> "{type: grpc, host: 127.0.0.1, port: " + port + "}",
                new Exchanger(), "DurableGrpcKillTest");
        assertThat(r.duplicates()).as("duplicates")
                .isLessThanOrEqualTo((long) KillHarness.KILLS * KillHarness.MAX_DUPLICATES_PER_KILL);
    }
}
