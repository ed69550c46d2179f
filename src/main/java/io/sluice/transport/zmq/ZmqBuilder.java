package io.sluice.transport.zmq;

import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.internal.BuilderFactories;
import io.sluice.transport.internal.Checks;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.zeromq.SocketType;
import reactor.core.publisher.Mono;

/**
 * Configuration of the ZeroMQ (JeroMQ) transports; obtained from
 * {@code io.sluice.transport.Transports.zmq()}. The endpoint is a ZeroMQ endpoint such as
 * {@code tcp://127.0.0.1:5555}; a binding side may use {@code tcp://127.0.0.1:*} for an ephemeral port
 * and read it back from {@code boundEndpoint()}.
 *
 * <p>Defaults: PULL source, PUB sink and REP server bind; PUSH sink, SUB source and Lazy Pirate
 * client connect ({@link #bind(boolean)} overrides). High-water mark 1000 messages, poll interval
 * 100 ms (how quickly a cancelled socket thread notices), linger 2 s for sinks that completed
 * normally (0 when cancelled), SUB subscribes to every topic, PUB topic = the message key (or
 * empty), Lazy Pirate timeout 2500 ms and 3 retries, handler timeout 30 s, largest inbound frame
 * 1 MiB ({@link #maxMessageSize(int)}), ZMTP handshake timeout 2 s ({@link #handshakeTimeout(Duration)}).
 */
public final class ZmqBuilder {

    String endpoint;
    Boolean bind;
    int hwm = 1000;
    Duration pollInterval = Duration.ofMillis(100);
    Duration linger = Duration.ofSeconds(2);
    List<String> topics = List.of("");
    Function<Message, String> topicOf = m -> m.key().orElse("");
    boolean plain;
    Duration timeout = Duration.ofMillis(2500);
    int retries = 3;
    Duration handlerTimeout = Duration.ofSeconds(30);
    int prefetch = 64;
    long maxMessageSize = 1 << 20;
    Duration handshakeTimeout = Duration.ofSeconds(2);
    EventDispatcher events;
    java.nio.file.Path curveSecret;
    java.nio.file.Path curveAllowed;
    java.nio.file.Path curveServerKey;
    Duration curveReload = Duration.ofSeconds(10);

    static {
        BuilderFactories.register(ZmqBuilder.class, ZmqBuilder::new);
    }

    /** Package-private: obtain a builder from {@code Transports.zmq()} (see {@link BuilderFactories}). */
    ZmqBuilder() {
    }

    /**
     * @param e ZeroMQ endpoint, e.g. {@code tcp://127.0.0.1:5555}
     * @return this
     */
    public ZmqBuilder endpoint(String e) {
        this.endpoint = Objects.requireNonNull(e, "endpoint");
        return this;
    }

    /**
     * @param b true to bind the endpoint, false to connect to it (overrides the per-role default)
     * @return this
     */
    public ZmqBuilder bind(boolean b) {
        this.bind = b;
        return this;
    }

    /**
     * @param messages send and receive high-water mark of each socket, at least 1
     * @return this
     */
    public ZmqBuilder highWaterMark(int messages) {
        this.hwm = Checks.atLeast("highWaterMark", messages, 1);
        return this;
    }

    /**
     * @param d how long a socket thread waits in one receive or send before checking for cancellation
     * @return this
     */
    public ZmqBuilder pollInterval(Duration d) {
        this.pollInterval = Checks.positive("pollInterval", d);
        return this;
    }

    /**
     * @param d how long closing a sink waits for queued messages to leave after its input completed
     * @return this
     */
    public ZmqBuilder linger(Duration d) {
        this.linger = Objects.requireNonNull(d, "linger");
        return this;
    }

    /**
     * @param prefixes topic prefixes a SUB source subscribes to; {@code ""} means everything
     * @return this
     */
    public ZmqBuilder subscribe(String... prefixes) {
        this.topics = List.of(prefixes);
        return this;
    }

    /**
     * @param f topic of each message a PUB sink sends (first frame)
     * @return this
     */
    public ZmqBuilder topic(Function<Message, String> f) {
        this.topicOf = Objects.requireNonNull(f, "topic");
        return this;
    }

    /**
     * Sinks: send each message in the plain format, its payload as the only frame (PUB: topic frame,
     * then the payload frame), so that a stock PULL or SUB peer receives exactly the payload bytes.
     * Headers, key, sequence and timestamp are not sent. Sources accept both formats whatever this
     * says (see {@code WireFormat}).
     *
     * @param p true for the plain format, false (default) for Sluice's format with metadata
     * @return this
     */
    public ZmqBuilder plain(boolean p) {
        this.plain = p;
        return this;
    }

    /**
     * @param d Lazy Pirate: how long to wait for each reply before reopening the socket and resending
     * @return this
     */
    public ZmqBuilder timeout(Duration d) {
        this.timeout = Checks.positive("timeout", d);
        return this;
    }

    /**
     * @param r Lazy Pirate: how many times a request is resent after a timeout, at least 0
     * @return this
     */
    public ZmqBuilder retries(int r) {
        this.retries = Checks.atLeast("retries", r, 0);
        return this;
    }

    /**
     * @param d REP server: longest wait for the handler's reply before answering with an error
     * @return this
     */
    public ZmqBuilder handlerTimeout(Duration d) {
        this.handlerTimeout = Checks.positive("handlerTimeout", d);
        return this;
    }

    /**
     * @param n messages a sink requests ahead from its input, at least 1
     * @return this
     */
    public ZmqBuilder prefetch(int n) {
        this.prefetch = Checks.atLeast("prefetch", n, 1);
        return this;
    }

    /**
     * Sets {@code ZMQ_MAXMSGSIZE} on every receiving socket (PULL and SUB sources, REP server,
     * Lazy Pirate REQ client). ZeroMQ applies it per frame, so it bounds the payload frame (and the
     * metadata frame) of each message. A peer that sends a larger frame is disconnected by ZeroMQ
     * while decoding it, before it is buffered: the message never reaches the pipeline, and the
     * other peers are unaffected. ZeroMQ reports this to the receiving application only as a
     * generic peer disconnection: see {@link ZmqSource} for how Sluice surfaces it.
     *
     * @param bytes largest inbound frame in bytes, at least 1 (default 1 MiB)
     * @return this
     */
    public ZmqBuilder maxMessageSize(long bytes) {
        this.maxMessageSize = Checks.atLeast("maxMessageSize", bytes, 1L);
        return this;
    }

    /**
     * Sets {@code ZMQ_HANDSHAKE_IVL} on every socket: a connection whose ZMTP handshake has not
     * completed in this time is dropped, and a connecting socket reconnects. With JeroMQ 0.6.0 a
     * fresh TCP connection's handshake occasionally stalls for good (both sides see the connection,
     * neither completes the handshake; a few percent of loopback connections in tests), and
     * JeroMQ's own default of 30 s would leave such a connection dead for that long. A connecting
     * sink also waits for its first handshake before it sends (see {@link ZmqSink}).
     *
     * @param d handshake timeout, positive (default 2 s); it must exceed a few round trips to the peer
     * @return this
     */
    public ZmqBuilder handshakeTimeout(Duration d) {
        this.handshakeTimeout = Checks.positive("handshakeTimeout", d);
        return this;
    }

    /**
     * @param dispatcher receives socket opened/closed events and bad-message errors; null for none
     * @return this
     */
    public ZmqBuilder events(EventDispatcher dispatcher) {
        this.events = dispatcher;
        return this;
    }

    /**
     * ZeroMQ CURVE on a source (PULL, SUB): it is the CURVE server (see {@link io.sluice.transport.auth.ZmqCurve}
     * for the key file formats).
     *
     * @param secretCert the server's secret certificate (zcert format)
     * @param allowedClients file of allowed client public keys, or null to accept any client that knows the
     *     server's public key
     * @param reloadInterval how often {@code allowedClients} is checked for changes; zero: only on SIGHUP
     * @return this
     */
    public ZmqBuilder curveServer(java.nio.file.Path secretCert, java.nio.file.Path allowedClients,
            Duration reloadInterval) {
        this.curveSecret = Objects.requireNonNull(secretCert, "secretCert");
        this.curveAllowed = allowedClients;
        this.curveReload = Checks.notNegative("reloadInterval", reloadInterval);
        return this;
    }

    /**
     * ZeroMQ CURVE on a sink (PUSH, PUB): it is a CURVE client of the server whose public key it is given.
     *
     * @param secretCert this client's secret certificate (zcert format)
     * @param serverPublicCert the server's public certificate (zcert format)
     * @return this
     */
    public ZmqBuilder curveClient(java.nio.file.Path secretCert, java.nio.file.Path serverPublicCert) {
        this.curveSecret = Objects.requireNonNull(secretCert, "secretCert");
        this.curveServerKey = Objects.requireNonNull(serverPublicCert, "serverPublicCert");
        return this;
    }

    /** @return a PULL source (binds by default) */
    public ZmqSource pullSource() {
        return new ZmqSource(this, SocketType.PULL, bindOr(true));
    }

    /** @return a SUB source (connects by default), filtered by {@link #subscribe(String...)} */
    public ZmqSource subSource() {
        return new ZmqSource(this, SocketType.SUB, bindOr(false));
    }

    /** @return a PUSH sink (connects by default) */
    public ZmqSink pushSink() {
        return new ZmqSink(this, SocketType.PUSH, bindOr(false));
    }

    /** @return a PUB sink (binds by default), topic from {@link #topic(Function)} */
    public ZmqSink pubSink() {
        return new ZmqSink(this, SocketType.PUB, bindOr(true));
    }

    /**
     * @param handler computes the reply to each request
     * @return a REP server (binds by default); call {@link ZmqReplyServer#start()}
     */
    public ZmqReplyServer replyServer(Function<Message, Mono<Message>> handler) {
        return new ZmqReplyServer(this, Objects.requireNonNull(handler, "handler"), bindOr(true));
    }

    /** @return a Lazy Pirate REQ client (connects by default) */
    public LazyPirateClient lazyPirateClient() {
        return new LazyPirateClient(this, bindOr(false));
    }

    String requireEndpoint() {
        if (endpoint == null) {
            throw new IllegalStateException("endpoint not set");
        }
        return endpoint;
    }

    private boolean bindOr(boolean dflt) {
        requireEndpoint();
        return bind == null ? dflt : bind;
    }
}
