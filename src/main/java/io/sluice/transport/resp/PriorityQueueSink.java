package io.sluice.transport.resp;

import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.overflow.PriorityBuffer;
import io.sluice.pipeline.Sink;
import io.sluice.transport.StreamServerBuilder;
import io.sluice.transport.internal.ServerSkeleton;
import io.sluice.transport.TransportMetrics;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;

/**
 * A Barbershop: a RESP server holding the pipeline's items as a prioritised backlog that workers
 * pull with {@code NEXT} / {@code BNEXT} (commands in {@link WorkerCommands}, state in {@link Backlog}).
 * Each message becomes an item: the {@code item} header (else the payload as UTF-8) with the
 * {@code priority} header (a whole number; missing or not a number: 0); an item already queued has
 * its priority raised by the new one (Barbershop's {@code UPDATE}). The sink requests from the
 * pipeline only as slots free up, so idle workers backpressure the sources.
 *
 * <h2>Snapshots</h2>
 * With a snapshot path, the backlog is written ({@link Snapshots}: temp file + rename, CRC32C) every
 * {@code snapshotInterval} when it changed, on {@code SNAPSHOT}, and when the sink stops; it is
 * loaded when the sink starts, so a restart serves the same items in the same order. After a crash
 * ({@code kill -9}) a restart serves exactly the last snapshot: the updates since, at most one
 * interval's worth, are lost, and items workers took since are served again; the durable-delivery
 * stage is the lossless option. A corrupt snapshot fails the start with a message
 * naming the file and the problem, unless {@code startEmptyOnCorruptSnapshot} is set: then the file
 * is renamed to {@code <name>.corrupt-<epoch millis>} and the sink starts empty.
 */
public final class PriorityQueueSink implements Sink<Message> {

    private static final Logger LOG = LoggerFactory.getLogger(PriorityQueueSink.class);
    static final String NAME = "priority-queue";

    private final RespSettings settings;
    private final int capacity;
    private final Path snapshot;
    private final Duration snapshotInterval;
    private final boolean startEmptyOnCorruptSnapshot;
    private final EventDispatcher events;
    private final ServerSkeleton skeleton;
    private final Object snapshotLock = new Object();
    private final AtomicLong snapshotsWritten = new AtomicLong();
    private volatile long lastSnapshotChanges = -1;
    private volatile String lastSnapshot = "never";

    private PriorityQueueSink(Builder b) {
        this.settings = new RespSettings(b.host(), b.port(), b.maxConnections(), b.maxBulkLength, b.maxArguments,
                b.eventLoopThreads);
        if (b.capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + b.capacity);
        }
        this.capacity = b.capacity;
        this.snapshot = b.snapshot;
        this.snapshotInterval = b.snapshotInterval;
        this.startEmptyOnCorruptSnapshot = b.startEmptyOnCorruptSnapshot;
        this.events = b.events();
        this.skeleton = new ServerSkeleton(NAME, events, settings.maxConnections()).idleTimeout(b.idleTimeout());
    }

    /** @return a builder (host 127.0.0.1, ephemeral port, capacity 10000, no snapshot) */
    public static Builder builder() {
        return new Builder();
    }

    /** @return counters: items served to workers (as messages), connections, errors */
    public TransportMetrics metrics() {
        return skeleton.metrics();
    }

    /** @return the address the current {@link #write} bound, once bound */
    public Mono<InetSocketAddress> boundAddress() {
        return skeleton.boundAddress();
    }

    @Override
    public Mono<Void> write(Flux<Message> elements) {
        return Mono.defer(() -> {
            List<PriorityBuffer.Held<String>> loaded;
            try {
                loaded = load();
            } catch (Exception e) {
                return Mono.error(e);
            }
            Feed up = new Feed(events);
            Backlog backlog = new Backlog(capacity, up::request);
            int dropped = backlog.load(loaded);
            if (dropped > 0) {
                LOG.warn("priority-queue: the snapshot held {} items, {} over the capacity of {}: the lowest were evicted",
                        loaded.size(), dropped, capacity);
            }
            up.backlog = backlog;
            up.initial = backlog.free();
            lastSnapshotChanges = backlog.changes();
            WorkerCommands commands = new WorkerCommands(backlog, snapshotter(backlog), Schedulers.parallel(),
                    n -> skeleton.metrics().message(n));
            elements.subscribe(up);
            return skeleton.serve(b -> new Server(b, backlog, up, commands)).then();
        });
    }

    /**
     * One {@link #write}: workers' connections run {@link WorkerCommands}; the subscription lasts as
     * long as the pipeline; when it ends, the skeleton closes the workers' connections first, then
     * {@link #close} writes the final snapshot (so no worker takes an item after it).
     */
    private final class Server extends RespServer {
        private final Backlog backlog;
        private final Feed up;
        private final WorkerCommands commands;

        Server(ServerSkeleton.Binding b, Backlog backlog, Feed up, WorkerCommands commands) {
            super(b, settings);
            this.backlog = backlog;
            this.up = up;
            this.commands = commands;
        }

        @Override
        public Mono<? extends DisposableServer> bind() {
            return super.bind().doOnError(e -> up.dispose());
        }

        @Override
        public Flux<Message> messages(DisposableServer server) {
            LOG.info("priority-queue sink serving workers on {} ({} items loaded)", server.address(), backlog.size());
            up.periodic = periodic(backlog);
            return up.done.asMono().thenMany(Flux.<Message>empty());
        }

        @Override
        Mono<Void> handle(Connection c) {
            // served on the connection's event loop, replies flushed once per read batch
            c.addHandlerLast("respWorker", new WorkerConnection(commands));
            // reactor-netty reads on demand of its inbound Flux, which nothing subscribes here
            c.channel().config().setAutoRead(true);
            return c.onDispose();
        }

        @Override
        public Mono<Void> close(DisposableServer server) {
            return stop(backlog, up).then(super.close(server));
        }
    }

    private List<PriorityBuffer.Held<String>> load() throws Exception {
        if (snapshot == null) {
            return List.of();
        }
        try {
            List<PriorityBuffer.Held<String>> items = Snapshots.read(snapshot);
            LOG.info("priority-queue: loaded {} items from snapshot {}", items.size(), snapshot);
            return items;
        } catch (Snapshots.CorruptSnapshotException e) {
            if (!startEmptyOnCorruptSnapshot) {
                throw new IllegalStateException(e.getMessage() + "; remove or repair it, or set "
                        + "startEmptyOnCorruptSnapshot: true to start empty (the file is then kept aside)", e);
            }
            Path aside = snapshot.resolveSibling(snapshot.getFileName() + ".corrupt-" + System.currentTimeMillis());
            Files.move(snapshot, aside);
            LOG.warn("priority-queue: {}; starting empty as configured (startEmptyOnCorruptSnapshot), the file was "
                    + "moved to {}", e.getMessage(), aside);
            return List.of();
        }
    }

    private WorkerCommands.Snapshotter snapshotter(Backlog backlog) {
        return new WorkerCommands.Snapshotter() {
            @Override
            public void snapshotNow() throws Exception {
                if (snapshot == null) {
                    throw new IllegalStateException("no snapshot path is configured");
                }
                writeSnapshot(backlog);
            }

            @Override
            public List<String[]> info() {
                return List.of(new String[] {"path", snapshot == null ? "none" : snapshot.toString()},
                        new String[] {"interval_seconds", Long.toString(snapshotInterval.toSeconds())},
                        new String[] {"written", Long.toString(snapshotsWritten.get())},
                        new String[] {"last", lastSnapshot});
            }
        };
    }

    private void writeSnapshot(Backlog backlog) throws Exception {
        synchronized (snapshotLock) {
            long changes = backlog.changes();
            List<PriorityBuffer.Held<String>> items = backlog.entries();
            Snapshots.write(snapshot, items);
            lastSnapshotChanges = changes;
            snapshotsWritten.incrementAndGet();
            lastSnapshot = Instant.now() + " (" + items.size() + " items)";
            LOG.debug("priority-queue: wrote {} items to snapshot {}", items.size(), snapshot);
        }
    }

    private Disposable periodic(Backlog backlog) {
        if (snapshot == null) {
            return () -> { };
        }
        return Flux.interval(snapshotInterval, snapshotInterval, Schedulers.boundedElastic())
                .filter(tick -> backlog.changes() != lastSnapshotChanges)
                .subscribe(tick -> {
                    try {
                        writeSnapshot(backlog);
                    } catch (Exception e) {
                        LOG.warn("priority-queue: periodic snapshot to {} failed (will retry): {}", snapshot,
                                e.toString());
                    }
                });
    }

    private Mono<Void> stop(Backlog backlog, Feed up) {
        return Mono.fromRunnable(() -> {
            up.dispose();
            if (up.periodic != null) {
                up.periodic.dispose();
            }
            backlog.releaseWaiters();
            if (snapshot != null) {
                try {
                    writeSnapshot(backlog);
                    LOG.info("priority-queue: stopped; {} items saved to snapshot {}", backlog.size(), snapshot);
                } catch (Exception e) {
                    LOG.error("priority-queue: final snapshot to {} failed: {} items not saved", snapshot,
                            backlog.size(), e);
                }
            } else if (backlog.size() > 0) {
                LOG.warn("priority-queue: stopped with {} items queued and no snapshot configured: they are lost",
                        backlog.size());
            }
        }).subscribeOn(Schedulers.boundedElastic()).then();
    }

    /** Builds a {@link PriorityQueueSink}. */
    public static final class Builder extends StreamServerBuilder<Builder> {
        private int capacity = 10_000;
        private Path snapshot;
        private Duration snapshotInterval = Duration.ofSeconds(30);
        private boolean startEmptyOnCorruptSnapshot;
        private int maxBulkLength = RespSettings.DEFAULT_MAX_BULK_LENGTH;
        private int maxArguments = RespSettings.DEFAULT_MAX_ARGUMENTS;
        private int eventLoopThreads = RespSettings.DEFAULT_EVENT_LOOP_THREADS;

        private Builder() {
            super(RespSettings.DEFAULT_MAX_CONNECTIONS);
            idleTimeout(Duration.ZERO); // workers blocked in BNEXT send nothing (Redis exempts them too)
        }

        /** @param n most items queued @return this */
        public Builder capacity(int n) {
            this.capacity = n;
            return this;
        }

        /** @param file snapshot file, or null for none @return this */
        public Builder snapshot(Path file) {
            this.snapshot = file;
            return this;
        }

        /** @param d time between periodic snapshots (positive) @return this */
        public Builder snapshotInterval(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("snapshotInterval must be positive, was " + d);
            }
            this.snapshotInterval = d;
            return this;
        }

        /** @param b start empty (moving the file aside) when the snapshot is corrupt @return this */
        public Builder startEmptyOnCorruptSnapshot(boolean b) {
            this.startEmptyOnCorruptSnapshot = b;
            return this;
        }

        /** @param n longest bulk string accepted, bytes @return this */
        public Builder maxBulkLength(int n) {
            this.maxBulkLength = n;
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

        /** @return the sink */
        public PriorityQueueSink build() {
            return new PriorityQueueSink(this);
        }
    }
}
