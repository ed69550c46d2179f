package io.sluice.transport.resp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The commands a {@code priority-queue} sink answers, each turned into one reply:
 * <ul>
 *   <li>{@code NEXT}: the highest item (taken) or nil.</li>
 *   <li>{@code BNEXT timeout}: the same, waiting up to {@code timeout} seconds (decimals allowed, 0 =
 *       no limit, as Redis's {@code BLPOP}) for an item to arrive; nil on timeout. The connection's
 *       later commands wait behind it, as in Redis.</li>
 *   <li>{@code PEEK item}: the item's priority as an integer, or nil when not queued.</li>
 *   <li>{@code INFO}: a bulk string of {@code field:value} lines (size, capacity, received, merged,
 *       taken, evicted, waiting_workers, snapshot fields).</li>
 *   <li>{@code SNAPSHOT}: writes the snapshot now; {@code +OK}, or {@code -ERR} with the reason.</li>
 *   <li>{@code PING}, {@code ECHO}, {@code QUIT}, {@code CLIENT ...}, {@code COMMAND ...} as for the source.</li>
 * </ul>
 * Wrong arity, a bad timeout and unknown commands are {@code -ERR} replies; the connection stays open.
 */
final class WorkerCommands {

    /** What the sink offers besides the backlog: snapshots and their INFO fields. */
    interface Snapshotter {
        /** Writes a snapshot now; throws with the reason when it cannot. */
        void snapshotNow() throws Exception;

        /** @return INFO fields about snapshots: name, value */
        List<String[]> info();
    }

    private final Backlog backlog;
    private final Snapshotter snapshots;
    private final Scheduler timer;
    private final java.util.function.IntConsumer served;

    WorkerCommands(Backlog backlog, Snapshotter snapshots, Scheduler timer, java.util.function.IntConsumer served) {
        this.backlog = backlog;
        this.snapshots = snapshots;
        this.timer = timer;
        this.served = served;
    }

    /**
     * @param ch the worker's channel
     * @param cmd its command
     * @return the reply (empty when the connection is being closed)
     */
    Mono<RedisMessage> execute(Channel ch, RespCommand cmd) {
        if (cmd.protocolError() != null) {
            RespCodec.refuse(ch, cmd.protocolError());
            return Mono.empty();
        }
        switch (cmd.name()) {
            case "":
                return Mono.empty();
            case "NEXT":
                return cmd.arity() != 0 ? wrong(cmd) : Mono.just(item(backlog.next()));
            case "BNEXT":
                return cmd.arity() != 1 ? wrong(cmd) : blockingNext(cmd.text(0));
            case "PEEK": {
                if (cmd.arity() != 1) {
                    return wrong(cmd);
                }
                OptionalLong p = backlog.priorityOf(cmd.text(0));
                return Mono.just(p.isPresent() ? RespCodec.integer(p.getAsLong()) : RespCodec.nil());
            }
            case "INFO":
                return Mono.just(info());
            case "SNAPSHOT":
                return cmd.arity() != 0 ? wrong(cmd) : snapshot();
            case "PING":
                return Mono.just(cmd.arity() == 0 ? RespCodec.PONG : RespCodec.bulk(cmd.args().get(0)));
            case "ECHO":
                return cmd.arity() != 1 ? wrong(cmd) : Mono.just(RespCodec.bulk(cmd.args().get(0)));
            case "QUIT":
                ch.eventLoop().execute(() -> ch.writeAndFlush(RespCodec.OK).addListener(ChannelFutureListener.CLOSE));
                return Mono.empty();
            case "CLIENT":
                return Mono.just(RespCodec.OK);
            case "COMMAND":
                return Mono.just(ArrayRedisMessage.EMPTY_INSTANCE);
            case "UPDATE":
            case "RPUSH":
            case "LPUSH":
                return Mono.just(RespCodec.error(cmd.name() + " goes to a resp source; this priority-queue endpoint "
                        + "serves workers (NEXT, BNEXT, PEEK, INFO, SNAPSHOT)"));
            default:
                return Mono.just(RespCodec.error("unknown command '" + cmd.name() + "'"));
        }
    }

    private static Mono<RedisMessage> wrong(RespCommand cmd) {
        return Mono.just(RespCodec.wrongArity(cmd.name()));
    }

    private RedisMessage item(String item) {
        if (item != null) {
            served.accept(item.length());
        }
        return RespCodec.bulk(item);
    }

    private Mono<RedisMessage> blockingNext(String timeoutText) {
        Duration timeout;
        try {
            BigDecimal seconds = new BigDecimal(timeoutText);
            if (seconds.signum() < 0) {
                return Mono.just(RespCodec.error("timeout is negative"));
            }
            timeout = Duration.ofNanos(seconds.movePointRight(9).longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            return Mono.just(RespCodec.error("timeout is not a float or out of range"));
        }
        return backlog.nextBlocking(timeout, timer).map(this::item).defaultIfEmpty(RespCodec.nil());
    }

    private RedisMessage info() {
        StringBuilder sb = new StringBuilder("# Queue\r\n");
        for (String[] f : backlog.info()) {
            sb.append(f[0]).append(':').append(f[1]).append("\r\n");
        }
        sb.append("# Snapshot\r\n");
        for (String[] f : snapshots.info()) {
            sb.append(f[0]).append(':').append(f[1]).append("\r\n");
        }
        return RespCodec.bulk(sb.toString());
    }

    private Mono<RedisMessage> snapshot() {
        Callable<RedisMessage> write = () -> {
            snapshots.snapshotNow();
            return RespCodec.OK;
        };
        return Mono.fromCallable(write)
                .onErrorResume(e -> Mono.just(RespCodec.error("snapshot failed: " + e.getMessage())))
                .subscribeOn(Schedulers.boundedElastic());
    }
}
