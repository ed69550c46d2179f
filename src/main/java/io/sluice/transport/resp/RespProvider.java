package io.sluice.transport.resp;

import io.sluice.transport.spi.Bind;
import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import io.sluice.transport.spi.Role;
import io.sluice.transport.spi.TransportProvider;
import java.nio.file.Path;
import java.util.List;

/**
 * The RESP (Redis protocol) transport: a {@code resp} source that producers feed with
 * {@code UPDATE} / {@code RPUSH} / {@code LPUSH}, a {@code priority-queue} sink that workers pull
 * with {@code NEXT} / {@code BNEXT}, and a {@code resp} sink, a Redis-protocol client that sends each
 * message's payload as one command line (how an {@code http} pipeline feeds a {@code resp} source). Registered in
 * {@code META-INF/services/io.sluice.transport.spi.TransportProvider}.
 *
 * <pre>
 * source: {type: resp, host: 127.0.0.1, port: 6380}
 * sink:   {type: priority-queue, port: 6381, capacity: 10000, snapshot: /var/lib/sluice/jobs.snap,
 *          snapshotInterval: 30s}
 * sink:   {type: resp, host: 127.0.0.1, port: 6380}   # payload "UPDATE item 5" sent as a command
 * </pre>
 */
public final class RespProvider implements TransportProvider {

    /** Netty's Redis decoder refuses longer bulk strings whatever the option says. */
    static final long NETTY_MAX_BULK_LENGTH = 512L * 1024 * 1024;

    private static final OptionSpec HOST = OptionSpec.optional("host", OptionType.STRING, "127.0.0.1", "bind address");
    private static final OptionSpec PORT = OptionSpec.required("port", OptionType.PORT, "bind port");
    private static final OptionSpec MAX_CONNECTIONS = OptionSpec.optional("maxConnections", OptionType.POSITIVE_INT,
            RespSettings.DEFAULT_MAX_CONNECTIONS, "most client connections at once; more are refused");
    private static final OptionSpec MAX_BULK_LENGTH = OptionSpec.optional("maxBulkLength", OptionType.SIZE,
            (long) RespSettings.DEFAULT_MAX_BULK_LENGTH,
            "longest bulk string (item, value) accepted, at most 512MiB; longer: protocol error, connection closed");
    private static final OptionSpec MAX_ARGUMENTS = OptionSpec.optional("maxArguments", OptionType.POSITIVE_INT,
            RespSettings.DEFAULT_MAX_ARGUMENTS, "most elements in one command; more: protocol error, connection closed");
    private static final OptionSpec EVENT_LOOP_THREADS = OptionSpec.optional("eventLoopThreads", OptionType.NON_NEGATIVE_INT,
            RespSettings.DEFAULT_EVENT_LOOP_THREADS, "threads serving the connections, shared by the process's resp sources"
                    + " and priority-queue sinks of the same value (1: a request is read, queued and answered on one"
                    + " thread, as by redis-server); 0: the event loops shared with the other transports");

    @Override
    public List<EndpointType> endpointTypes() {
        EndpointType source = EndpointType.builder("resp",
                        "Redis protocol: as a source, a server taking UPDATE item priority, RPUSH/LPUSH key value -> "
                                + "messages; as a sink, a client sending each message's payload as one command line")
                .option(OptionSpec.optional("host", OptionType.STRING, "127.0.0.1",
                        "bind address (source), server address (sink)"))
                .option(OptionSpec.required("port", OptionType.PORT, "bind port (source), server port (sink)"))
                .option(MAX_CONNECTIONS.sourceOnly()).option(MAX_BULK_LENGTH.sourceOnly())
                .option(MAX_ARGUMENTS.sourceOnly()).option(EVENT_LOOP_THREADS.sourceOnly())
                .option(OptionSpec.idleTimeout(io.sluice.transport.StreamServerBuilder.DEFAULT_IDLE_TIMEOUT).sourceOnly())
                .source((o, context) -> RespSource.builder().host(o.string("host")).port(o.integer("port"))
                        .maxConnections(o.integer("maxConnections")).idleTimeout(o.duration("idleTimeout"))
                        .maxBulkLength(bulk(o))
                        .maxArguments(o.integer("maxArguments")).eventLoopThreads(o.integer("eventLoopThreads"))
                        .events(context.events()).build())
                .sink((o, context) -> RespClientSink.builder().host(o.string("host")).port(o.integer("port"))
                        .events(context.events()).build())
                .binds(Bind::tcpServer)
                .build();
        EndpointType sink = EndpointType.builder("priority-queue",
                        "Barbershop work queue over the Redis protocol: workers NEXT/BNEXT the highest item")
                .option(HOST).option(PORT).option(MAX_CONNECTIONS).option(MAX_BULK_LENGTH).option(EVENT_LOOP_THREADS)
                .option(OptionSpec.optional("idleTimeout", OptionType.DURATION, java.time.Duration.ZERO,
                        "close a worker connection from which nothing was read for this long (0s: never; a"
                                + " worker blocked in BNEXT sends nothing)"))
                .option(OptionSpec.optional("capacity", OptionType.POSITIVE_INT, 10_000, "most items queued"))
                .option(OptionSpec.optional("snapshot", OptionType.STRING, null,
                        "snapshot file: written periodically, on SNAPSHOT and on stop, loaded on start"))
                .option(OptionSpec.optional("snapshotInterval", OptionType.DURATION, java.time.Duration.ofSeconds(30),
                        "time between periodic snapshots (a crash loses at most this much)"))
                .option(OptionSpec.optional("startEmptyOnCorruptSnapshot", OptionType.BOOLEAN, false,
                        "start empty (moving the file aside) instead of failing when the snapshot is corrupt"))
                .sink((o, context) -> PriorityQueueSink.builder().host(o.string("host")).port(o.integer("port"))
                        .maxConnections(o.integer("maxConnections")).idleTimeout(o.duration("idleTimeout"))
                        .maxBulkLength(bulk(o))
                        .capacity(o.integer("capacity"))
                        .snapshot(o.has("snapshot") ? Path.of(o.string("snapshot")) : null)
                        .snapshotInterval(o.duration("snapshotInterval"))
                        .startEmptyOnCorruptSnapshot(o.bool("startEmptyOnCorruptSnapshot"))
                        .eventLoopThreads(o.integer("eventLoopThreads"))
                        .events(context.events()).build())
                .binds((role, o) -> role == Role.SINK
                        ? List.of(new Bind(Bind.Protocol.TCP, o.string("host"), o.integer("port")))
                        : List.of())
                .build();
        return List.of(source, sink);
    }

    private static int bulk(EndpointOptions o) {
        long n = o.size("maxBulkLength");
        if (n > NETTY_MAX_BULK_LENGTH) {
            throw new IllegalArgumentException("maxBulkLength must be at most 512MiB, was " + n + " bytes");
        }
        return (int) n;
    }
}
