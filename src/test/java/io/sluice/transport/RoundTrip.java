package io.sluice.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Round trip of many messages from several concurrent sink clients into one source. */
public final class RoundTrip {

    private RoundTrip() {
    }

    /**
     * Starts {@code source}, writes {@code perClient} messages of {@code size} bytes from each of
     * {@code clients} sinks concurrently, and verifies every payload arrived exactly once.
     *
     * @param source the server
     * @param bound its bound address
     * @param sinkFor a sink connected to the given port
     * @param clients concurrent clients
     * @param perClient messages per client
     * @param size payload size
     */
    public static void run(Source<Message> source, Supplier<Mono<InetSocketAddress>> bound,
                           Function<Integer, Sink<Message>> sinkFor, int clients, int perClient, int size) {
        int total = clients * perClient;
        Payloads.Checker checker = new Payloads.Checker(size, perClient);
        Mono<Long> received = source.flux()
                .doOnNext(checker::accept)
                .take(total)
                .count()
                .cache();
        received.subscribe(x -> { }, e -> { });
        int port = bound.get().block(Duration.ofSeconds(10)).getPort();
        try {
            Flux.range(0, clients)
                    .flatMap(c -> sinkFor.apply(port).write(Payloads.messages(c, perClient, size)), clients)
                    .then()
                    .block(Duration.ofSeconds(60));
        } catch (IllegalStateException timeout) {
            // a slow machine or a hang: how far it got tells which
            throw new AssertionError("the sinks did not finish within 60 s; " + checker.count() + " of " + total
                    + " messages received", timeout);
        }
        Long n = received.onErrorResume(e -> Mono.empty())
                .timeout(Duration.ofSeconds(30), Mono.just(-1L))
                .block(Duration.ofSeconds(60));
        assertThat(n).as("messages received (%s so far)", checker.count()).isEqualTo(total);
        assertThat(checker.bad()).as("corrupted payloads").isZero();
        assertThat(checker.duplicates()).as("duplicates").isZero();
        assertThat(checker.distinct()).isEqualTo(total);
    }
}
