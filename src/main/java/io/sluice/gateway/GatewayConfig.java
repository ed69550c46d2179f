package io.sluice.gateway;

import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import io.sluice.transport.spi.Bind;
import io.sluice.transport.spi.EndpointContext;
import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.Role;
import io.sluice.transport.spi.TransportProvider;
import io.sluice.transport.spi.TransportRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed and validated gateway configuration: the pipelines to run and the admin endpoint.
 * Read it with {@link #parse(String)} or {@link #load(Path)}; both report every problem at once, each
 * with its line, through {@link ConfigException}. The YAML shape:
 *
 * <pre>
 * admin:                      # optional: /metrics (Prometheus), / (dashboard), /health/live|ready
 *   host: 127.0.0.1
 *   port: 9090
 *   tls: {cert: admin.pem, key: admin-key.pem}   # optional: https only (clientCa: requires client certificates)
 * drainTimeout: 5s            # optional, default 5s
 * pipelines:
 *   - name: telemetry
 *     source: {type: tcp, host: 127.0.0.1, port: 7000, framing: newline}
 *     overflow: {policy: overwrite-oldest, capacity: 1024}   # optional, default block 256
 *     # or on disk: {policy: persistent, path: /var/lib/sluice/x, maxBytes: 1GiB, whenFull: block, fsync: 10ms}
 *     steps:                                                 # optional
 *       - {type: filter-header, name: kind, equals: temp}
 *       - {type: set-header, name: gateway, value: edge-1}
 *     sink: {type: file, path: out.log}
 * </pre>
 *
 * The endpoint types come from the {@link TransportProvider}s on the class path; they, the step
 * types and their options are listed by {@code sluice transports} and in the README.
 *
 * @param admin admin endpoint, if configured
 * @param drainTimeout how long stop waits for buffered messages
 * @param pipelines the pipelines, at least one
 */
public record GatewayConfig(Optional<Admin> admin, Duration drainTimeout, List<PipelineSpec> pipelines) {

    /**
     * Admin HTTP endpoint.
     *
     * @param host bind address
     * @param port port, 0 for an ephemeral one
     * @param tls server TLS settings with absolute file names ({@code admin: {tls: ...}}), or null for http
     */
    public record Admin(String host, int port, io.sluice.transport.tls.TlsOptions tls) {

        /**
         * @param host bind address
         * @param port port, 0 for an ephemeral one
         */
        public Admin(String host, int port) {
            this(host, port, null);
        }
    }

    /**
     * A source or sink: its type (from a {@link TransportProvider}), side and validated options.
     *
     * @param endpointType the endpoint type
     * @param role source or sink
     * @param options validated options, converted to their types, defaults applied
     * @param line line of the definition
     */
    public record Endpoint(EndpointType endpointType, Role role, EndpointOptions options, int line) {

        /** @return the type's name, e.g. {@code tcp} */
        public String type() {
            return endpointType.name();
        }

        /** @return what the endpoint listens on once started (nothing for a connecting client) */
        public List<Bind> binds() {
            return endpointType.binder().binds(role, options);
        }

        /**
         * @param context pipeline name, events, stdout
         * @return a new source (binding happens on subscribe)
         */
        public Source<Message> source(EndpointContext context) {
            return endpointType.sourceFactory().source(options, context);
        }

        /**
         * @param context pipeline name, events, stdout
         * @return a new sink
         */
        public Sink<Message> sink(EndpointContext context) {
            Sink<Message> sink = endpointType.sinkFactory().sink(options, context);
            EndpointOptions retry = options.group("retry");
            EndpointOptions deadLetter = options.group("deadLetter");
            if (retry == null && deadLetter == null) {
                return sink;
            }
            return new io.sluice.transport.resilience.ResilientSink(sink, describe(),
                    retry == null ? null : io.sluice.transport.resilience.RetryPolicy.of(retry),
                    deadLetter == null ? null : io.sluice.transport.resilience.DeadLetterFile.of(deadLetter),
                    context.events());
        }

        /** @return e.g. {@code tcp 127.0.0.1:7000}, as events name a sink */
        public String describe() {
            Object host = options.values().getOrDefault("host", "");
            Object port = options.values().get("port");
            Object path = options.values().get("path");
            return type() + (port == null ? "" : " " + host + ":" + port) + (path == null ? "" : (port == null ? " " : "") + path);
        }
    }

    /**
     * Overflow stage.
     *
     * @param policy drop-newest, overwrite-oldest, block, fail, priority or persistent
     * @param capacity buffer size (in-memory policies)
     * @param priorityHeader for {@code priority}: the header holding a message's priority (a whole number)
     * @param keyHeader for {@code priority}: the header whose value merges messages (one per key), or null
     * @param persistent for {@code persistent}: the disk log's settings, else null
     */
    public record OverflowSpec(String policy, int capacity, String priorityHeader, String keyHeader,
                               PersistentSpec persistent) {

        /**
         * @param policy an in-memory policy name
         * @param capacity buffer size
         * @param priorityHeader for {@code priority}: the priority header
         * @param keyHeader for {@code priority}: the merge-key header, or null
         */
        public OverflowSpec(String policy, int capacity, String priorityHeader, String keyHeader) {
            this(policy, capacity, priorityHeader, keyHeader, null);
        }

        /**
         * @param policy a FIFO policy name
         * @param capacity buffer size
         */
        public OverflowSpec(String policy, int capacity) {
            this(policy, capacity, "priority", null);
        }
    }

    /**
     * Settings of a {@code policy: persistent} overflow stage (a crash-consistent segment log, see
     * {@link io.sluice.persist.PersistentOverflow}).
     *
     * @param path the log directory (created if missing; one pipeline per directory)
     * @param maxBytes bound on the log's files
     * @param whenFull {@code block} (backpressure) or {@code drop-newest} (counted)
     * @param fsync when appends are forced
     */
    public record PersistentSpec(Path path, long maxBytes, io.sluice.persist.WhenFull whenFull,
                                 io.sluice.persist.Fsync fsync) {
    }

    /**
     * A processing step.
     *
     * @param type step type, e.g. {@code set-header}
     * @param options validated options
     * @param line line of the definition
     */
    public record Step(String type, Map<String, Object> options, int line) {
    }

    /**
     * One pipeline.
     *
     * @param name unique name
     * @param source where messages come from
     * @param overflow overflow stage between source and steps
     * @param steps processing steps, in order
     * @param sink where messages go
     */
    public record PipelineSpec(String name, Endpoint source, OverflowSpec overflow, List<Step> steps, Endpoint sink) {
    }

    /**
     * @param yaml configuration text
     * @return the configuration, with the transports found on the class path
     * @throws ConfigException listing every problem with its line
     */
    public static GatewayConfig parse(String yaml) throws ConfigException {
        return parse(yaml, Registry.DEFAULT);
    }

    /**
     * @param yaml configuration text
     * @param transports the endpoint types a configuration may name
     * @return the configuration
     * @throws ConfigException listing every problem with its line
     */
    public static GatewayConfig parse(String yaml, TransportRegistry transports) throws ConfigException {
        return new ConfigReader(transports).read(yaml);
    }

    /**
     * @param file configuration file; relative file names in it ({@code tls}, {@code auth}) are resolved
     *             against its directory
     * @return the configuration
     * @throws ConfigException listing every problem with its line
     * @throws IOException if the file cannot be read
     */
    public static GatewayConfig load(Path file) throws IOException, ConfigException {
        Path dir = file.toAbsolutePath().getParent();
        return new ConfigReader(Registry.DEFAULT, dir).read(Files.readString(file));
    }

    /** @return the transports found on the class path (loaded once) */
    public static TransportRegistry transports() {
        return Registry.DEFAULT;
    }

    /** Loads the providers once, on first use. */
    private static final class Registry {
        static final TransportRegistry DEFAULT = TransportRegistry.load();
    }
}
