package io.sluice.bench.transport;

import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import java.time.Duration;
import java.util.function.IntFunction;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A lane made of a Sluice {@link Source} (the server) and Sluice {@link Sink}s (one per sender),
 * exactly as a pipeline uses them. A unary sender opens a new sink per message (one request, or
 * one socket per datagram); a streaming sender writes the whole flux through one sink.
 */
final class SluiceLane implements Lane {
    private final Source<Message> source;
    private final Mono<Integer> port;
    private final IntFunction<Sink<Message>> sinkForPort;
    private final boolean sinkPerMessage;
    private Disposable running;
    private int boundPort;

    SluiceLane(Source<Message> source, Mono<Integer> port, IntFunction<Sink<Message>> sinkForPort,
               boolean sinkPerMessage) {
        this.source = source;
        this.port = port;
        this.sinkForPort = sinkForPort;
        this.sinkPerMessage = sinkPerMessage;
    }

    @Override
    public void start(Counter counter) {
        running = source.flux().subscribe(m -> counter.hit(),
                e -> System.err.println("receiver failed: " + e));
        boundPort = port.block(Duration.ofSeconds(30));
    }

    @Override
    public Mono<Void> send(Message template, int count) {
        Flux<Message> messages = Flux.range(0, count).map(i -> template);
        if (sinkPerMessage) {
            return messages.concatMap(m -> sinkForPort.apply(boundPort).write(Flux.just(m)), 1).then();
        }
        return Mono.defer(() -> sinkForPort.apply(boundPort).write(messages));
    }

    @Override
    public void close() {
        if (running != null) {
            running.dispose();
        }
    }
}
