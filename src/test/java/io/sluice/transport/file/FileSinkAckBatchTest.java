package io.sluice.transport.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * When the file sink hands a buffer of messages awaiting acknowledgement to its disk worker: at
 * {@code 4 x prefetch} of them (or when the buffer is full, or after {@code flushInterval}), so that
 * small records behind a persistent stage go to disk in large writes rather than one write and one
 * worker wake-up per {@code prefetch} records. Virtual time: the interval never passes by itself, and
 * the worker runs the hand-off at once.
 */
class FileSinkAckBatchTest {

    @TempDir
    Path tmp;

    @Test
    void messagesAwaitingAcknowledgementAreWrittenAtFourTimesThePrefetchNotBefore() throws IOException {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        Path out = tmp.resolve("acks.txt");
        int prefetch = 4;
        FileSink sink = FileSink.builder(out).prefetch(prefetch).flushInterval(Duration.ofSeconds(10))
                .scheduler(clock).build();
        Sinks.Many<Message> in = Sinks.many().unicast().onBackpressureBuffer();
        List<Integer> acked = new CopyOnWriteArrayList<>();
        Disposable running = sink.write(in.asFlux()).subscribe();
        try {
            int batch = 4 * prefetch;
            for (int i = 0; i < batch - 1; i++) {
                emit(in, i, acked);
            }
            assertThat(sink.metrics().messages()).as("all taken from upstream").isEqualTo(batch - 1);
            assertThat(acked).as("not handed off below 4 x prefetch awaiting acknowledgement").isEmpty();
            assertThat(Files.exists(out) ? Files.size(out) : 0L).isZero();

            emit(in, batch - 1, acked);
            assertThat(acked).containsExactlyElementsOf(IntStream.range(0, batch).boxed().toList());
            assertThat(Files.readString(out, StandardCharsets.UTF_8))
                    .isEqualTo(IntStream.range(0, batch).mapToObj(i -> "m" + i + "\n").reduce("", String::concat));

            // fewer than the batch: written, and acknowledged, once the interval has passed
            emit(in, batch, acked);
            clock.advanceTimeBy(Duration.ofMillis(9_999));
            assertThat(acked).hasSize(batch);
            clock.advanceTimeBy(Duration.ofMillis(1));
            assertThat(acked).hasSize(batch + 1).endsWith(batch);
        } finally {
            running.dispose();
        }
    }

    private static void emit(Sinks.Many<Message> in, int i, List<Integer> acked) {
        in.tryEmitNext(Message.builder().payload(("m" + i).getBytes(StandardCharsets.UTF_8))
                .ack(() -> acked.add(i)).build()).orThrow();
    }
}
