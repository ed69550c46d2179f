package io.sluice.transport.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
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
     * Runs one command. A reply available at once is appended to {@code out} (the connection's batch
     * buffer, written with its read batch) and null returned; {@code BNEXT} and {@code SNAPSHOT}
     * return their reply to come instead. {@code NEXT}, the hot path, writes the item straight into
     * {@code out}: no reply object, no Reactor operator.
     *
     * @param ch the worker's channel
     * @param cmd its command
     * @param out the batch buffer
     * @return null when answered (or nothing to answer: the connection is being closed), else the
     *     reply to come (empty: none)
     */
    Mono<RespReply> execute(Channel ch, RespCommand cmd, ByteBuf out) {
        if (cmd.protocolError() != null) {
            RespCodec.refuse(ch, cmd.protocolError());
            return null;
        }
        switch (cmd.name()) {
            case "":
                return null;
            case "NEXT":
                if (cmd.arity() != 0) {
                    RespReply.wrongArity(cmd.name()).writeTo(out);
                } else {
                    String item = backlog.next();
                    if (item != null) {
                        served.accept(item.length());
                    }
                    RespReply.writeBulk(out, item);
                }
                return null;
            case "BNEXT":
                return cmd.arity() != 1 ? Mono.just(RespReply.wrongArity(cmd.name())) : blockingNext(cmd.text(0));
            case "SNAPSHOT":
                return cmd.arity() != 0 ? Mono.just(RespReply.wrongArity(cmd.name())) : snapshot();
            case "QUIT":
                RespCodec.quit(ch);
                return null;
            default:
                now(cmd).writeTo(out);
                return null;
        }
    }

    /** @return the reply of a command answered at once (not NEXT, BNEXT, SNAPSHOT, QUIT) */
    private RespReply now(RespCommand cmd) {
        switch (cmd.name()) {
            case "PEEK": {
                if (cmd.arity() != 1) {
                    return RespReply.wrongArity(cmd.name());
                }
                OptionalLong p = backlog.priorityOf(cmd.text(0));
                return p.isPresent() ? RespReply.integer(p.getAsLong()) : RespReply.NIL;
            }
            case "INFO":
                return info();
            case "PING":
                return cmd.arity() == 0 ? RespReply.PONG : RespReply.bulk(cmd.args().get(0));
            case "ECHO":
                return cmd.arity() != 1 ? RespReply.wrongArity(cmd.name()) : RespReply.bulk(cmd.args().get(0));
            case "CLIENT":
                return RespReply.OK;
            case "COMMAND":
                return RespReply.EMPTY_ARRAY;
            case "UPDATE":
            case "RPUSH":
            case "LPUSH":
                return RespReply.error(cmd.name() + " goes to a resp source; this priority-queue endpoint "
                        + "serves workers (NEXT, BNEXT, PEEK, INFO, SNAPSHOT)");
            default:
                return RespReply.error("unknown command '" + cmd.name() + "'");
        }
    }

    private RespReply item(String item) {
        if (item != null) {
            served.accept(item.length());
        }
        return RespReply.bulk(item);
    }

    private Mono<RespReply> blockingNext(String timeoutText) {
        Duration timeout;
        try {
            BigDecimal seconds = new BigDecimal(timeoutText);
            if (seconds.signum() < 0) {
                return Mono.just(RespReply.error("timeout is negative"));
            }
            timeout = Duration.ofNanos(seconds.movePointRight(9).longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            return Mono.just(RespReply.error("timeout is not a float or out of range"));
        }
        return backlog.nextBlocking(timeout, timer).map(this::item).defaultIfEmpty(RespReply.NIL);
    }

    private RespReply info() {
        StringBuilder sb = new StringBuilder("# Queue\r\n");
        for (String[] f : backlog.info()) {
            sb.append(f[0]).append(':').append(f[1]).append("\r\n");
        }
        sb.append("# Snapshot\r\n");
        for (String[] f : snapshots.info()) {
            sb.append(f[0]).append(':').append(f[1]).append("\r\n");
        }
        return RespReply.bulk(sb.toString());
    }

    private Mono<RespReply> snapshot() {
        Callable<RespReply> write = () -> {
            snapshots.snapshotNow();
            return RespReply.OK;
        };
        return Mono.fromCallable(write)
                .onErrorResume(e -> Mono.just(RespReply.error("snapshot failed: " + e.getMessage())))
                .subscribeOn(Schedulers.boundedElastic());
    }
}
