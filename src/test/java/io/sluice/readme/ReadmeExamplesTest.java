package io.sluice.readme;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.event.Dropped;
import io.sluice.event.EventDispatcher;
import io.sluice.overflow.Overflow;
import io.sluice.overflow.OverflowPolicy;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineHandle;
import io.sluice.pipeline.Source;
import io.sluice.test.CollectingSink;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * The code examples of README.md, compiled and run so they never rot. Keep the two in sync: each
 * block between "README:" markers is copied verbatim into the README.
 */
class ReadmeExamplesTest {

    @Test
    void dslExample() {
        // README: dsl
        EventDispatcher events = new EventDispatcher();
        AtomicLong drops = new AtomicLong();
        events.on(Dropped.class, d -> drops.incrementAndGet());

        Source<Message> source = Source.of(Flux.range(0, 10_000).map(i -> Message.ofUtf8("reading " + i)));
        CollectingSink<Message> sink = CollectingSink.create();

        PipelineHandle running = Pipeline.from(source)
                .named("telemetry")
                .events(events)
                .filter(m -> m.size() > 0)
                .map(m -> m.withHeader("gateway", "edge-1"))
                .overflow(Overflow.<Message>overwriteOldest(1024).events(events))
                .to(sink)
                .start();

        running.done().block(Duration.ofSeconds(10));
        // README: end
        assertThat(sink.received().size() + drops.get()).isEqualTo(10_000);
        assertThat(sink.received()).allSatisfy(m -> assertThat(m.header("gateway")).contains("edge-1"));
    }

    @Test
    void stepVerifierExample() {
        // README: stepverifier
        OverflowPolicy<Integer> ring = Overflow.overwriteOldest(3);
        reactor.test.publisher.TestPublisher<Integer> upstream = reactor.test.publisher.TestPublisher.create();

        StepVerifier.create(upstream.flux().transform(ring), 0) // request nothing yet
                .then(() -> upstream.next(1, 2, 3, 4, 5))         // 5 arrive, only 3 fit
                .thenRequest(10)
                .expectNext(3, 4, 5)                              // the newest 3 survive
                .then(upstream::complete)
                .verifyComplete();

        assertThat(ring.dropped()).isEqualTo(2);                // 1 and 2 were overwritten
        // README: end
    }
}
