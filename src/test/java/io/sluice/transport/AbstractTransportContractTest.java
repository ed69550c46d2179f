package io.sluice.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The contract every network transport keeps, run by each transport through a small subclass (in
 * the style of reactor-core's {@code AbstractOnDiscardShouldNotLeakTest}): a new transport gets
 * the whole suite by implementing {@link #source}, {@link #sink} and, when its source is not a
 * {@link ServerSource}, {@link #address}; a transport for which a clause cannot hold says so by
 * overriding one of the capability methods ({@link #largestMessage()},
 * {@link #connectionOriented()}, {@link #reportsOversized()}), with the reason in its javadoc.
 *
 * <p>The clauses:
 * <ol>
 *   <li>Byte-exact round trip at 18 / 4266 / 6786 / 79435 bytes from {@value #CLIENTS} concurrent
 *       clients: every payload arrives once, unchanged.</li>
 *   <li>An oversized message gets a clear error (a {@code ConnectionError} naming the limit) and
 *       ends only its own connection or call: a client that was sending before and keeps sending
 *       after it loses nothing.</li>
 *   <li>A source bounded to one connection refuses a second with a {@code ConnectionError}
 *       ("connection limit"), and the admitted client loses nothing (where the transport has
 *       such a bound: {@link #sourceWithMaxConnections}).</li>
 *   <li>A peer that connects, sends and disconnects is reported: {@code ConnectionOpened},
 *       {@code ConnectionClosed}, and the connections gauge back to 0.</li>
 *   <li>A graceful stop ({@link Source#flux(org.reactivestreams.Publisher)}) completes the flux
 *       after everything received was emitted, closes every connection and frees the port.</li>
 *   <li>Nothing leaks: every test class runs under {@link NettyLeakCheck} (registered for all test
 *       classes, Netty's detector at PARANOID), which fails the class on any leaked buffer.</li>
 * </ol>
 * Counts are small so that the suite stays quick; every wait is bounded.
 */
public abstract class AbstractTransportContractTest {

    /** Concurrent clients in the round trip. */
    protected static final int CLIENTS = 4;
    /** The source's message limit in every clause but the oversize one: above the largest size. */
    protected static final int MAX_MESSAGE = 96 * 1024;
    /** The source's message limit in the oversize clause. */
    protected static final int SMALL_LIMIT = 8192;

    private static final Duration WAIT = Duration.ofSeconds(20);

    /** Events the source under test published. */
    protected final Queue<Object> events = new ConcurrentLinkedQueue<>();
    private final EventDispatcher dispatcher = new EventDispatcher();
    private Disposable running;

    // ---- what a transport supplies ----

    /**
     * @param maxMessageSize largest message the source accepts, in bytes
     * @param events where the source publishes its events
     * @return a new server source on 127.0.0.1, ephemeral port
     */
    protected abstract Source<Message> source(int maxMessageSize, EventDispatcher events);

    /**
     * @param address what {@link #address} gave for the source
     * @return a new client sink for it; it must be able to send at least {@code 3 * SMALL_LIMIT}
     *         bytes (the oversize clause sends that much)
     */
    protected abstract Sink<Message> sink(String address);

    /**
     * @param source a source whose flux was subscribed
     * @return where it listens once bound, as {@code host:port} (or the transport's endpoint
     *         syntax ending in {@code :port}); by default a {@link ServerSource}'s bound address
     */
    protected Mono<String> address(Source<Message> source) {
        return ((ServerSource) source).boundAddress().map(a -> a.getHostString() + ":" + a.getPort());
    }

    /**
     * Sends {@code messages} as one peer that disconnects when done; by default one write of
     * {@link #sink}, which closes its connection when the write completes.
     *
     * @param address the source's address
     * @param messages what to send
     * @return completes when sent and disconnected
     */
    protected Mono<Void> sendAndDisconnect(String address, Flux<Message> messages) {
        return sink(address).write(messages);
    }

    /**
     * @param maxConnections connections the source may serve at once
     * @param events where the source publishes its events
     * @return a source bounded to {@code maxConnections}, or null when the transport has no such
     *         bound (the default; the clause is then skipped)
     */
    protected Source<Message> sourceWithMaxConnections(int maxConnections, EventDispatcher events) {
        return null;
    }

    /** @return the largest message the transport can carry at all (default: all sizes apply) */
    protected int largestMessage() {
        return Integer.MAX_VALUE;
    }

    /**
     * @return whether the source has connections per peer, with events and a size limit per
     *         connection (false: datagrams)
     */
    protected boolean connectionOriented() {
        return true;
    }

    /**
     * @return whether the source reports each peer's connection opened and closed (false when
     *         the library does not expose peers)
     */
    protected boolean reportsPeerConnections() {
        return true;
    }

    /** @return whether the source can report an oversized message (false when the library cannot tell) */
    protected boolean reportsOversized() {
        return true;
    }

    /**
     * @param size message size
     * @return messages each client sends in the round trip
     */
    protected int messagesPerClient(int size) {
        return size < 10_000 ? 16 : 4;
    }

    // ---- the suite ----

    @BeforeEach
    void collectEvents() {
        dispatcher.on(ConnectionOpened.class, events::add);
        dispatcher.on(ConnectionClosed.class, events::add);
        dispatcher.on(ConnectionError.class, events::add);
    }

    @AfterEach
    void stopSource() {
        if (running != null) {
            running.dispose();
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {18, 4266, 6786, 79435})
    @Timeout(120)
    void roundTripIsByteExactFromConcurrentClients(int size) {
        assumeTrue(size <= largestMessage(), "larger than the transport can carry");
        int perClient = messagesPerClient(size);
        Payloads.Checker checker = new Payloads.Checker(size, perClient);
        Source<Message> source = source(MAX_MESSAGE, dispatcher);
        running = source.flux().subscribe(checker::accept);
        String address = address(source).block(WAIT);

        Flux.range(0, CLIENTS)
                .flatMap(c -> sink(address).write(Payloads.messages(c, perClient, size)), CLIENTS)
                .then()
                .block(Duration.ofSeconds(60));

        await(() -> checker.distinct() + checker.bad() + checker.duplicates() >= (long) CLIENTS * perClient,
                "all messages received");
        assertThat(checker.bad()).as("corrupted payloads").isZero();
        assertThat(checker.duplicates()).as("duplicates").isZero();
        assertThat(checker.distinct()).isEqualTo((long) CLIENTS * perClient);
    }

    @Test
    @Timeout(120)
    void oversizedMessageEndsOnlyItsConnection() {
        assumeTrue(connectionOriented(), "no connections to end");
        int size = 1024;
        Payloads.Checker checker = new Payloads.Checker(size, 20);
        Source<Message> source = source(SMALL_LIMIT, dispatcher);
        running = source.flux().subscribe(checker::accept);
        String address = address(source).block(WAIT);

        // a well-behaved client sends half, waits while the oversized message goes in, then the rest
        Sinks.Empty<Void> oversizedDone = Sinks.empty();
        Mono<Void> steady = sink(address).write(Payloads.messages(0, 10, size)
                .concatWith(oversizedDone.asMono().then(Mono.empty()))
                .concatWith(Payloads.messages(0, 20, size).skip(10)));
        Sinks.One<Void> steadyDone = Sinks.one();
        steady.subscribe(x -> { }, steadyDone::tryEmitError, steadyDone::tryEmitEmpty);
        await(() -> checker.distinct() >= 10, "the first half of the steady client");

        Throwable oversized = sink(address).write(Payloads.messages(1, 1, 3 * SMALL_LIMIT))
                .timeout(WAIT).then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(WAIT);
        if (reportsOversized()) {
            await(() -> events.stream().anyMatch(e -> e instanceof ConnectionError), "a ConnectionError");
            List<ConnectionError> errors = errors();
            assertThat(errors).as("errors: %s; oversized write: %s", errors, oversized)
                    .anySatisfy(e -> assertThat(e.reason()).contains(Integer.toString(SMALL_LIMIT)));
        }
        oversizedDone.tryEmitEmpty();

        steadyDone.asMono().block(WAIT);
        await(() -> checker.distinct() >= 20, "the second half of the steady client");
        assertThat(checker.distinct()).as("only the steady client's messages, each once").isEqualTo(20);
        assertThat(checker.bad()).isZero();
    }

    @Test
    @Timeout(60)
    void aConnectionBeyondTheLimitIsRefusedAndTheOthersKeepWorking() {
        Source<Message> source = sourceWithMaxConnections(1, dispatcher);
        assumeTrue(source != null, "no connection bound");
        Payloads.Checker checker = new Payloads.Checker(64, 10);
        running = source.flux().subscribe(checker::accept);
        String address = address(source).block(WAIT);

        // the one allowed client holds its connection open between two halves
        Sinks.Empty<Void> refused = Sinks.empty();
        Sinks.One<Void> holderDone = Sinks.one();
        sink(address).write(Payloads.messages(0, 5, 64)
                        .concatWith(refused.asMono().then(Mono.empty()))
                        .concatWith(Payloads.messages(0, 10, 64).skip(5)))
                .subscribe(x -> { }, holderDone::tryEmitError, holderDone::tryEmitEmpty);
        await(() -> checker.distinct() >= 5, "the first half of the admitted client");

        sink(address).write(Payloads.messages(1, 1, 64)).onErrorResume(e -> Mono.empty()).subscribe();
        await(() -> errors().stream().anyMatch(e -> e.reason().contains("connection limit")),
                "a ConnectionError for the refused connection");
        refused.tryEmitEmpty();

        holderDone.asMono().block(WAIT);
        await(() -> checker.distinct() >= 10, "the second half of the admitted client");
        assertThat(checker.distinct()).as("only the admitted client's messages").isEqualTo(10);
        if (source instanceof ServerSource server) {
            assertThat(server.metrics().errors()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    @Timeout(60)
    void peerDisconnectIsReported() {
        assumeTrue(connectionOriented() && reportsPeerConnections(), "no peer connections to report");
        Payloads.Checker checker = new Payloads.Checker(64, 3);
        Source<Message> source = source(MAX_MESSAGE, dispatcher);
        running = source.flux().subscribe(checker::accept);
        String address = address(source).block(WAIT);

        sendAndDisconnect(address, Payloads.messages(0, 3, 64)).block(WAIT);

        await(() -> checker.distinct() >= 3, "the peer's messages");
        await(() -> count(ConnectionClosed.class) >= 1, "ConnectionClosed");
        assertThat(count(ConnectionOpened.class)).isGreaterThanOrEqualTo(1);
        if (source instanceof ServerSource server) {
            await(() -> server.metrics().connectionsActive() == 0, "the connections gauge back to 0");
        }
        assertThat(errors()).as("a clean disconnect is no error").isEmpty();
    }

    @Test
    @Timeout(60)
    void gracefulStopDrainsAndReleasesEverything() throws Exception {
        Payloads.Checker checker = new Payloads.Checker(256, 8);
        Source<Message> source = source(MAX_MESSAGE, dispatcher);
        Sinks.Empty<Void> stop = Sinks.empty();
        Sinks.Empty<Void> completed = Sinks.empty();
        running = source.flux(stop.asMono()).subscribe(checker::accept, completed::tryEmitError, completed::tryEmitEmpty);
        String address = address(source).block(WAIT);

        Flux.range(0, 2).flatMap(c -> sink(address).write(Payloads.messages(c, 8, 256))).then().block(WAIT);
        await(() -> checker.distinct() >= 16, "every message before the stop");

        stop.tryEmitEmpty();
        completed.asMono().block(WAIT);
        assertThat(checker.distinct()).isEqualTo(16);
        assertThat(checker.bad()).isZero();
        if (connectionOriented()) {
            await(() -> count(ConnectionClosed.class) >= count(ConnectionOpened.class), "every connection closed");
        }
        if (source instanceof ServerSource server) {
            await(() -> server.metrics().connectionsActive() == 0, "the connections gauge back to 0");
        }
        int port = port(address);
        await(() -> portFree(port), "port " + port + " free again");
    }

    // ---- helpers ----

    /** @return the {@code ConnectionError}s published so far */
    protected List<ConnectionError> errors() {
        return events.stream().filter(e -> e instanceof ConnectionError).map(e -> (ConnectionError) e).toList();
    }

    private long count(Class<?> type) {
        return events.stream().filter(type::isInstance).count();
    }

    /**
     * Waits (bounded) until {@code condition} holds; fails naming {@code what} otherwise.
     *
     * @param condition the condition
     * @param what what is awaited
     */
    protected static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < deadline).as("timed out waiting for " + what).isTrue();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /**
     * @param address an address as {@link #address} gives it
     * @return its port
     */
    public static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    /**
     * @param port a port the source listened on
     * @return whether it can be bound again (default: TCP)
     */
    protected boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
