package io.sluice.transport.resp;

import io.netty.channel.Channel;
import io.sluice.Message;
import io.sluice.transport.StreamServerBuilder;
import io.sluice.transport.internal.ServerSkeleton;
import io.sluice.transport.internal.SkeletonSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;

/**
 * RESP (Redis protocol) server source: any Redis client produces messages with
 * <ul>
 *   <li>{@code UPDATE item priority} (Barbershop): one message, payload = item, headers
 *       {@code item} and {@code priority}; reply {@code +OK}.</li>
 *   <li>{@code RPUSH key value [value ...]} / {@code LPUSH ...} (Resque style): one message per
 *       value in argument order, payload = value, headers {@code item} (= value), {@code priority}
 *       {@code 0} and {@code key}, message key = key; reply: the integer number of values accepted
 *       (Sluice keeps no list whose length it could report).</li>
 *   <li>{@code PING}, {@code ECHO}, {@code QUIT}, and {@code CLIENT ...} / {@code COMMAND ...}
 *       answered harmlessly so that client libraries and {@code redis-cli} connect cleanly.</li>
 * </ul>
 * A wrong number of arguments, a non-integer priority or an unknown command is answered with
 * {@code -ERR ...} in Redis's words and the connection stays open. Malformed RESP, a bulk string
 * over {@code maxBulkLength} (e.g. a 1 GiB length) or an array over {@code maxArguments} is answered
 * {@code -ERR Protocol error: ...} and closes that connection only, with a {@code ConnectionError}.
 *
 * <h2>Backpressure</h2>
 * Each connection's commands are taken only as the pipeline requests messages (bounded prefetch per
 * connection, connections merged with bounded concurrency), so a slow pipeline stops reading the
 * sockets. A command is answered when the source turns it into messages, which happens as the
 * pipeline's demand reaches its connection (at most one command ahead of it), so {@code +OK} means
 * "taken by the pipeline", not "delivered to a worker". A client that
 * pipelines commands but never reads its replies is closed once more than {@value #MAX_PENDING_REPLY_BYTES}
 * bytes of replies wait for it.
 */
public final class RespSource extends SkeletonSource {

    private static final String NAME = "resp";
    static final int MAX_PENDING_REPLY_BYTES = 1 << 20;

    private final RespSettings settings;
    private final int prefetch;

    private RespSource(Builder b) {
        super(NAME, b, b.maxConnections());
        this.settings = new RespSettings(b.host(), b.port(), b.maxConnections(), b.maxBulkLength, b.maxArguments,
                b.eventLoopThreads);
        this.prefetch = b.prefetch;
    }

    /** @return a builder (host 127.0.0.1, ephemeral port) */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected ServerSkeleton.Server<?> server(ServerSkeleton.Binding b) {
        return new Server(b);
    }

    /** One subscription: accepted connections are merged with bounded concurrency. */
    private final class Server extends RespServer {
        private final Sinks.Many<Connection> accepted = Sinks.many().unicast().onBackpressureBuffer();

        Server(ServerSkeleton.Binding b) {
            super(b, settings);
        }

        @Override
        Mono<Void> handle(Connection c) {
            synchronized (accepted) {
                if (accepted.tryEmitNext(c).isFailure()) {
                    c.dispose();
                }
            }
            return c.onDispose();
        }

        @Override
        public Flux<Message> messages(DisposableServer server) {
            return accepted.asFlux().flatMap(this::receive, binding.maxConnections(), prefetch);
        }

        private Flux<Message> receive(Connection c) {
            Channel ch = c.channel();
            ReplyWriter replies = new ReplyWriter(ch, MAX_PENDING_REPLY_BYTES);
            c.addHandlerLast("respReplies", replies);
            // RespRequestDecoder hands over RespCommand objects (plain byte arrays, nothing to release)
            return c.inbound().receiveObject()
                    .concatMapIterable(cmd -> execute(replies, (RespCommand) cmd), prefetch)
                    .onErrorResume(e -> {
                        // one connection's failure never fails the source
                        binding.error(String.valueOf(ch.remoteAddress()), e.toString(), e);
                        return Mono.empty();
                    })
                    .doFinally(s -> c.dispose());
        }
    }

    private List<Message> execute(ReplyWriter ch, RespCommand cmd) {
        if (cmd.protocolError() != null) {
            RespCodec.refuse(ch.channel(), cmd.protocolError());
            return List.of();
        }
        switch (cmd.name()) {
            case "":
                return List.of();
            case "UPDATE":
                return update(ch, cmd);
            case "RPUSH":
            case "LPUSH":
                return push(ch, cmd);
            case "PING":
                reply(ch, cmd.arity() == 0 ? RespReply.PONG : cmd.arity() == 1 ? RespReply.bulk(cmd.args().get(0))
                        : RespReply.wrongArity(cmd.name()));
                return List.of();
            case "ECHO":
                reply(ch, cmd.arity() == 1 ? RespReply.bulk(cmd.args().get(0)) : RespReply.wrongArity(cmd.name()));
                return List.of();
            case "QUIT":
                RespCodec.quit(ch.channel());
                return List.of();
            case "CLIENT":
                reply(ch, RespReply.OK);
                return List.of();
            case "COMMAND":
                reply(ch, RespReply.EMPTY_ARRAY);
                return List.of();
            default:
                reply(ch, RespReply.error("unknown command '" + cmd.name() + "'"));
                return List.of();
        }
    }

    private List<Message> update(ReplyWriter ch, RespCommand cmd) {
        if (cmd.arity() != 2) {
            reply(ch, RespReply.wrongArity(cmd.name()));
            return List.of();
        }
        long priority;
        try {
            priority = cmd.integer(1);
        } catch (NumberFormatException e) {
            reply(ch, RespReply.error("value is not an integer or out of range"));
            return List.of();
        }
        byte[] item = cmd.args().get(0);
        metrics().message(item.length);
        Message m = Message.builder().payload(item)
                .headers(Map.of("item", cmd.text(0), "priority", Long.toString(priority))).build();
        reply(ch, RespReply.OK);
        return List.of(m);
    }

    private List<Message> push(ReplyWriter ch, RespCommand cmd) {
        if (cmd.arity() < 2) {
            reply(ch, RespReply.wrongArity(cmd.name()));
            return List.of();
        }
        String key = cmd.text(0);
        List<Message> out = new ArrayList<>(cmd.arity() - 1);
        for (int i = 1; i < cmd.arity(); i++) {
            byte[] value = cmd.args().get(i);
            metrics().message(value.length);
            out.add(Message.builder().payload(value).key(key).header("item", cmd.text(i)).header("priority", "0")
                    .header("key", key).build());
        }
        reply(ch, RespReply.integer(out.size()));
        return out;
    }

    /** Writes a reply in command order, flushed with its read batch ({@link ReplyWriter}). */
    private static void reply(ReplyWriter ch, RespReply reply) {
        ch.reply(reply);
    }

    /** Builds a {@link RespSource}. */
    public static final class Builder extends StreamServerBuilder<Builder> {
        private int maxBulkLength = RespSettings.DEFAULT_MAX_BULK_LENGTH;
        private int maxArguments = RespSettings.DEFAULT_MAX_ARGUMENTS;
        private int eventLoopThreads = RespSettings.DEFAULT_EVENT_LOOP_THREADS;
        private int prefetch = 32;

        private Builder() {
            super(RespSettings.DEFAULT_MAX_CONNECTIONS);
        }

        /** @param n longest bulk string accepted, bytes @return this */
        public Builder maxBulkLength(int n) {
            this.maxBulkLength = n;
            return this;
        }

        /** @param n most elements in one request @return this */
        public Builder maxArguments(int n) {
            this.maxArguments = n;
            return this;
        }

        /** @param n commands taken ahead per connection, at least 1 @return this */
        public Builder prefetch(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("prefetch must be at least 1, was " + n);
            }
            this.prefetch = n;
            return this;
        }

        /**
         * @param n threads of the event loops this server runs on, shared with the process's other RESP
         *          servers of the same size ({@code resp} sources, {@code priority-queue} sinks); 0 for
         *          reactor-netty's loops shared with the other transports
         * @return this
         */
        public Builder eventLoopThreads(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("eventLoopThreads must be at least 0, was " + n);
            }
            this.eventLoopThreads = n;
            return this;
        }

        /** @return the source */
        public RespSource build() {
            return new RespSource(this);
        }
    }
}
