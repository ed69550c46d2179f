package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.event.EventDispatcher;
import io.sluice.event.PipelineStarted;
import io.sluice.event.PipelineStopped;
import io.sluice.event.PipelineStopped.Outcome;
import io.sluice.event.SluiceEvent;
import io.sluice.event.StageError;
import io.sluice.overflow.Overflow;
import io.sluice.overflow.OverflowPolicy;
import io.sluice.test.CollectingSink;
import io.sluice.test.TestSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class PipelineTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void stagesRunInOrder() {
        Flux<String> flux = Pipeline.from(Source.of(Flux.range(1, 6)))
                .map(i -> i * 10)
                .filter(i -> i % 20 == 0)
                .via(f -> f.map(i -> "v" + i))
                .flux();

        StepVerifier.create(flux).expectNext("v20", "v40", "v60").verifyComplete();
    }

    @Test
    void builderIsImmutableAndReusable() {
        Pipeline<Integer> base = Pipeline.from(Source.of(Flux.range(1, 3)));
        Pipeline<Integer> doubled = base.map(i -> i * 2);
        StepVerifier.create(base.flux()).expectNext(1, 2, 3).verifyComplete();
        StepVerifier.create(doubled.flux()).expectNext(2, 4, 6).verifyComplete();
        StepVerifier.create(doubled.flux()).expectNext(2, 4, 6).verifyComplete();
    }

    @Test
    void errorsPropagateAndAreReportedWithTheirStage() {
        EventDispatcher events = new EventDispatcher();
        List<SluiceEvent> seen = new CopyOnWriteArrayList<>();
        events.on(SluiceEvent.class, seen::add);

        Pipeline<Integer> p = Pipeline.from(Source.of(Flux.range(1, 5)))
                .named("p1")
                .events(events)
                .filter(i -> true)
                .map(i -> {
                    if (i == 3) {
                        throw new IllegalArgumentException("bad " + i);
                    }
                    return i;
                });
        StepVerifier.create(p.flux()).expectNext(1, 2).expectErrorMessage("bad 3").verify(TIMEOUT);

        CollectingSink<Integer> sink = CollectingSink.create();
        PipelineHandle h = p.to(sink).start();
        StepVerifier.create(h.done()).expectErrorMessage("bad 3").verify(TIMEOUT);
        assertThat(sink.received()).containsExactly(1, 2);
        assertThat(h.isRunning()).isFalse();
        assertThat(seen).hasSize(3);
        assertThat(seen.get(0)).isEqualTo(new PipelineStarted("p1"));
        StageError err = (StageError) seen.get(1);
        assertThat(err.pipeline()).isEqualTo("p1");
        assertThat(err.stage()).isEqualTo("map#2");
        assertThat(err.error()).hasMessage("bad 3");
        assertThat(((PipelineStopped) seen.get(2)).outcome()).isEqualTo(Outcome.FAILED);
    }

    @Test
    void sourceErrorIsAttributedToTheSource() {
        EventDispatcher events = new EventDispatcher();
        List<StageError> errors = new CopyOnWriteArrayList<>();
        events.on(StageError.class, errors::add);
        PipelineHandle h = Pipeline.from(Source.<Integer>of(Flux.error(new IllegalStateException("down"))))
                .events(events).map(i -> i + 1).to(CollectingSink.create()).start();
        StepVerifier.create(h.done()).expectErrorMessage("down").verify(TIMEOUT);
        assertThat(errors).singleElement().extracting(StageError::stage).isEqualTo("source");
    }

    @Test
    void cancelCancelsTheSource() {
        TestSource<Integer> source = TestSource.create();
        StepVerifier.create(Pipeline.from(source).map(i -> i + 1).flux())
                .then(() -> source.emit(1, 2))
                .expectNext(2, 3)
                .thenCancel()
                .verify(TIMEOUT);
        assertThat(source.wasCancelled()).isTrue();

        TestSource<Integer> source2 = TestSource.create();
        PipelineHandle h = Pipeline.from(source2).to(CollectingSink.create()).start();
        h.cancel();
        assertThat(source2.wasCancelled()).isTrue();
        assertThat(h.isRunning()).isFalse();
    }

    @Test
    void completesWhenTheSourceCompletes() {
        EventDispatcher events = new EventDispatcher();
        List<PipelineStopped> stopped = new CopyOnWriteArrayList<>();
        events.on(PipelineStopped.class, stopped::add);
        CollectingSink<Integer> sink = CollectingSink.create();
        PipelineHandle h = Pipeline.from(Source.of(Flux.range(0, 1000))).events(events)
                .overflow(Overflow.block(16)).to(sink).start();
        StepVerifier.create(h.done()).verifyComplete();
        assertThat(sink.received()).hasSize(1000);
        assertThat(stopped).singleElement().extracting(PipelineStopped::outcome).isEqualTo(Outcome.COMPLETED);
    }

    @Test
    void stopStopsIngestingThenDrainsThenCompletes() {
        EventDispatcher events = new EventDispatcher();
        List<PipelineStopped> stopped = new CopyOnWriteArrayList<>();
        events.on(PipelineStopped.class, stopped::add);
        TestSource<Integer> source = TestSource.create();
        CollectingSink<Integer> sink = CollectingSink.slow(2);
        OverflowPolicy<Integer> overflow = Overflow.block(32);

        PipelineHandle h = Pipeline.from(source).events(events).overflow(overflow).to(sink).start();
        source.emit(IntStream.range(0, 10).boxed().toArray(Integer[]::new));
        assertThat(sink.received()).containsExactly(0, 1);

        var stop = h.stop(TIMEOUT);
        assertThat(source.wasCancelled()).isTrue();
        assertThat(h.isRunning()).isTrue();
        sink.release(100);

        StepVerifier.create(stop).verifyComplete();
        assertThat(sink.received()).isEqualTo(IntStream.range(0, 10).boxed().collect(Collectors.toList()));
        assertThat(overflow.dropped()).isZero();
        assertThat(stopped).singleElement().extracting(PipelineStopped::outcome).isEqualTo(Outcome.STOPPED);
        StepVerifier.create(h.done()).verifyComplete();
    }

    @Test
    void stopThatCannotDrainInTimeCancelsAndReports() {
        EventDispatcher events = new EventDispatcher();
        List<PipelineStopped> stopped = new CopyOnWriteArrayList<>();
        events.on(PipelineStopped.class, stopped::add);
        TestSource<Integer> source = TestSource.create();
        CollectingSink<Integer> sink = CollectingSink.slow(1);
        List<Integer> released = new CopyOnWriteArrayList<>();
        OverflowPolicy<Integer> overflow = Overflow.<Integer>dropNewest(8).onDrop(released::add);

        PipelineHandle h = Pipeline.from(source).events(events).overflow(overflow).to(sink).start();
        source.emit(1, 2, 3, 4);

        StepVerifier.create(h.stop(Duration.ofMillis(200)))
                .expectError(TimeoutException.class)
                .verify(TIMEOUT);
        assertThat(sink.received()).containsExactly(1);
        assertThat(released).containsExactly(2, 3, 4);
        assertThat(stopped).singleElement().extracting(PipelineStopped::outcome).isEqualTo(Outcome.DRAIN_TIMEOUT);
        assertThat(h.isRunning()).isFalse();
    }

    @Test
    void rejectsNulls() {
        assertThatThrownBy(() -> Pipeline.from(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Pipeline.from(Source.of(Flux.just(1))).map(null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void aSinkFailureIsAttributedToTheSink() {
        EventDispatcher events = new EventDispatcher();
        List<StageError> errors = new CopyOnWriteArrayList<>();
        events.on(StageError.class, errors::add);
        Sink<Integer> failing = elements -> elements.then(Mono.error(new IllegalStateException("disk full")));
        PipelineHandle h = Pipeline.from(Source.of(Flux.range(1, 3))).named("p").events(events)
                .map(i -> i + 1).to(failing).start();
        StepVerifier.create(h.done()).expectErrorMessage("disk full").verify(TIMEOUT);
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.pipeline()).isEqualTo("p");
            assertThat(e.stage()).isEqualTo("sink");
            assertThat(e.error()).hasMessage("disk full");
        });
    }

    @Test
    void aPipelineFinishesOnceWhateverIsCalledAfterwards() {
        EventDispatcher events = new EventDispatcher();
        List<PipelineStopped> stopped = new CopyOnWriteArrayList<>();
        events.on(PipelineStopped.class, stopped::add);
        PipelineHandle h = Pipeline.from(Source.of(Flux.range(0, 3))).named("once").events(events)
                .to(CollectingSink.create()).start();
        StepVerifier.create(h.done()).verifyComplete();
        assertThat(h.name()).isEqualTo("once");

        h.cancel();
        StepVerifier.create(h.stop(TIMEOUT)).verifyComplete();
        StepVerifier.create(h.done()).verifyComplete();
        assertThat(stopped).singleElement().satisfies(e -> {
            assertThat(e.pipeline()).isEqualTo("once");
            assertThat(e.outcome()).isEqualTo(Outcome.COMPLETED);
            assertThat(e.error()).isNull();
        });
    }

    @Test
    void cancelEndsTheRunWithoutAnError() {
        EventDispatcher events = new EventDispatcher();
        List<PipelineStopped> stopped = new CopyOnWriteArrayList<>();
        events.on(PipelineStopped.class, stopped::add);
        TestSource<Integer> source = TestSource.create();
        PipelineHandle h = Pipeline.from(source).events(events).to(CollectingSink.create()).start();
        assertThat(h.isRunning()).isTrue();
        h.cancel();
        StepVerifier.create(h.done()).verifyComplete();
        assertThat(stopped).singleElement().extracting(PipelineStopped::outcome).isEqualTo(Outcome.CANCELLED);
    }

    @Test
    void aDrainTimeoutNamesThePipelineAndFailsDone() {
        CollectingSink<Integer> sink = CollectingSink.slow(0);
        TestSource<Integer> source = TestSource.create();
        PipelineHandle h = Pipeline.from(source).named("slowpoke").overflow(Overflow.block(4)).to(sink).start();
        source.emit(1, 2);
        StepVerifier.create(h.stop(Duration.ofMillis(100)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TimeoutException.class)
                        .hasMessage("pipeline 'slowpoke' did not drain within PT0.1S"))
                .verify(TIMEOUT);
        StepVerifier.create(h.done()).expectError(TimeoutException.class).verify(TIMEOUT);
    }
}
