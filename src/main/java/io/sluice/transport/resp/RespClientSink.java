package io.sluice.transport.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.transport.TransportBuilder;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.ClientSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.tcp.TcpClient;

/**
 * RESP (Redis protocol) client sink: each message's payload is one command line, as typed into
 * {@code redis-cli} ({@code UPDATE send-invoice 10}, {@code RPUSH jobs mail}), split on whitespace
 * and sent as a RESP array of bulk strings to a Redis-protocol server: a Sluice {@code resp}
 * source, or a Redis. This is how producers that are not Redis clients (an {@code http} source:
 * {@code curl -d 'UPDATE send-invoice 10'}) reach a Barbershop's {@code resp} endpoint.
 *
 * <p>Writes honour backpressure as every client sink does ({@link ClientSink}: one connection per
 * write, messages requested only while the channel is writable, batched flushes). The server's
 * replies are read as they come: an error reply ({@code -ERR ...}, e.g. a wrong number of
 * arguments) is counted in {@link TransportMetrics#errors()} and logged (the first, then every
 * 1000th); the message was already handed off, so it is not retried. When the pipeline ends, the
 * connection is closed after the replies still due (at most 10 s). A payload that is not a
 * command (blank) fails the write, as a frame a TCP sink cannot carry does.
 */
public final class RespClientSink implements Sink<Message> {

    private static final Logger LOG = LoggerFactory.getLogger(RespClientSink.class);

    private final TcpClient client;
    private final ClientSink sink;
    private final String target;
    private final AtomicLong errorReplies = new AtomicLong();
    /** How long a finished write waits for the replies still due before it closes the connection. */
    private static final Duration REPLY_WAIT = Duration.ofSeconds(10);

    private RespClientSink(Builder b) {
        this.target = b.host() + ":" + b.port();
        this.sink = new ClientSink("resp", b.events(), target);
        this.client = TcpClient.create().host(b.host()).port(b.port()).option(ChannelOption.TCP_NODELAY, true);
    }

    /** @return a builder (host 127.0.0.1) */
    public static Builder builder() {
        return new Builder();
    }

    /** @return counters: commands sent, connections, errors (error replies included) */
    public TransportMetrics metrics() {
        return sink.metrics();
    }

    /** @return the error replies read so far */
    public long errorReplies() {
        return errorReplies.get();
    }

    @Override
    public Mono<Void> write(Flux<Message> elements) {
        return Mono.defer(() -> {
            Replies replies = new Replies();
            TcpClient connection = client.doOnConnected(c -> {
                c.addHandlerLast("respDecoder", new RedisDecoder(true));
                c.addHandlerLast("respBulk", new RedisBulkStringAggregator());
                c.addHandlerLast("respArray", new RedisArrayAggregator());
                c.inbound().receiveObject().subscribe(r -> {
                    replied(r);
                    replies.replied();
                }, e -> LOG.debug("resp sink {}: {}", target, e.toString()), replies::closed);
            });
            // the connection closes only after the last reply (or REPLY_WAIT without one)
            Flux<Message> sent = elements.doOnNext(m -> replies.sent())
                    .concatWith(replies.all().timeout(REPLY_WAIT, Mono.empty()).then(Mono.empty()));
            return sink.write(connection.connect(), sent, (c, m) -> encode(c.channel().alloc().buffer(), m));
        });
    }

    /** Commands sent and replies read on one connection; {@link #all} completes when they match after the end. */
    private static final class Replies {
        private final Sinks.Empty<Void> all = Sinks.empty();
        private long sent;
        private long replied;
        private boolean ended;

        synchronized void sent() {
            sent++;
        }

        synchronized void replied() {
            replied++;
            if (ended && replied >= sent) {
                all.tryEmitEmpty();
            }
        }

        void closed() {
            all.tryEmitEmpty();
        }

        Mono<Void> all() {
            return Mono.defer(() -> {
                synchronized (this) {
                    ended = true;
                    if (replied >= sent) {
                        all.tryEmitEmpty();
                    }
                }
                return all.asMono();
            });
        }
    }

    private void replied(Object reply) {
        if (reply instanceof ErrorRedisMessage err) {
            long n = errorReplies.incrementAndGet();
            sink.metrics().error("other");
            if (n == 1 || n % 1000 == 0) {
                LOG.warn("resp sink: {} answered an error ({} so far): {}", target, n, err.content());
            }
        }
    }

    /**
     * @param out buffer to fill
     * @param m a message whose payload is one command line
     * @return {@code out}, holding the command as a RESP array of bulk strings
     * @throws IllegalArgumentException when the payload holds no command
     */
    static ByteBuf encode(ByteBuf out, Message m) {
        List<byte[]> words = new ArrayList<>();
        for (String w : m.payloadUtf8().trim().split("\\s+")) {
            if (!w.isEmpty()) {
                words.add(w.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (words.isEmpty()) {
            out.release();
            throw new IllegalArgumentException("a resp sink message must hold a command line, got a blank payload");
        }
        out.writeByte('*').writeCharSequence(Integer.toString(words.size()), StandardCharsets.US_ASCII);
        out.writeByte('\r').writeByte('\n');
        for (byte[] w : words) {
            out.writeByte('$').writeCharSequence(Integer.toString(w.length), StandardCharsets.US_ASCII);
            out.writeByte('\r').writeByte('\n');
            out.writeBytes(w).writeByte('\r').writeByte('\n');
        }
        return out;
    }

    /** Builds a {@link RespClientSink}. */
    public static final class Builder extends TransportBuilder<Builder> {

        private Builder() {
        }

        /** @return the sink */
        public RespClientSink build() {
            return new RespClientSink(this);
        }
    }
}
