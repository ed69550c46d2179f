package io.sluice.transport.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.pipeline.Sink;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** The discard sink: where it takes messages, with and without a simulated cost. */
class LocalSinksTest {

    private static Flux<Message> counted(int n, AtomicInteger seen) {
        return Flux.range(0, n).map(i -> Message.ofUtf8("m" + i)).doOnNext(m -> seen.incrementAndGet());
    }

    @Test
    void withoutADelayEveryMessageIsDroppedOnTheDeliveringThread() {
        Sink<Message> sink = LocalSinks.discard(Duration.ZERO);
        AtomicInteger seen = new AtomicInteger();
        AtomicReference<Thread> completedOn = new AtomicReference<>();
        sink.write(counted(10_000, seen)).subscribe(null, null, () -> completedOn.set(Thread.currentThread()));
        // no hand-off: by the time subscribe returns, the whole (synchronous) input has been taken
        assertThat(completedOn.get()).as("completed within subscribe, on this thread").isSameAs(Thread.currentThread());
        assertThat(seen).hasValue(10_000);
    }

    @Test
    void withADelayMessagesAreTakenOnAWorkerThread() {
        Sink<Message> sink = LocalSinks.discard(Duration.ofNanos(1_000));
        AtomicInteger seen = new AtomicInteger();
        AtomicReference<String> completedOn = new AtomicReference<>();
        sink.write(counted(200, seen)).doOnTerminate(() -> completedOn.set(Thread.currentThread().getName()))
                .block(Duration.ofSeconds(30));
        assertThat(seen).hasValue(200);
        assertThat(completedOn.get()).as("never the caller's (a network event loop's) thread")
                .startsWith("boundedElastic").isNotEqualTo(Thread.currentThread().getName());
    }
}
