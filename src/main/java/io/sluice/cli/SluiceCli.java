package io.sluice.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.event.EventDispatcher;
import io.sluice.gateway.AdminServer;
import io.sluice.gateway.ConfigError;
import io.sluice.gateway.ConfigException;
import io.sluice.gateway.Gateway;
import io.sluice.gateway.GatewayConfig;
import io.sluice.gateway.GatewayStartException;
import io.sluice.gateway.ShutdownHook;
import io.sluice.gateway.PipelineReport;
import io.sluice.health.HealthState;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The {@code sluice} command line: {@code run}, {@code validate}, {@code edit} a gateway
 * configuration, list the {@code transports}, and {@code demo}. Exit codes: 0 success, 1 invalid
 * configuration or failed pipeline, 2 a usage error or, for {@code run}, an address that cannot be bound
 * (one line on standard error names the pipeline, protocol and address; nothing is left running). Command-line output is this class's job, so it writes to the
 * picocli-provided standard out and err.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0",
        description = "Reactive ingestion gateway.",
        subcommands = {SluiceCli.Run.class, SluiceCli.Validate.class, ConfigEditor.Edit.class,
                TransportsCommand.class, BufferCommand.class, DeadLetterCommand.class, SluiceCli.DemoCommand.class, SluiceCli.OverflowDemoCommand.class})
public final class SluiceCli implements Callable<Integer> {

    /** Exit code for an invalid configuration or a failed pipeline. */
    public static final int INVALID = 1;

    /** Exit code of {@code run} when a pipeline or the admin server cannot bind its address. */
    public static final int CANNOT_START = 2;

    private static final String QUIET_LOGGER = "org.slf4j.simpleLogger.log.io.netty.util.concurrent.AbstractEventExecutor";

    @Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * @param args command line
     */
    public static void main(String[] args) {
        // reactor-netty lets a benign "channel not registered to an event loop" task failure reach
        // Netty's executor, which logs it with a stack trace at WARN when a WebSocket connection
        // closes while its receive is cancelled (every demo stop); the user may still override this
        System.setProperty(QUIET_LOGGER, System.getProperty(QUIET_LOGGER, "error"));
        JulBridge.install();
        System.exit(execute(args));
    }

    /**
     * Runs the command line without exiting the JVM (for tests and embedding).
     *
     * @param args command line
     * @return the exit code
     */
    public static int execute(String... args) {
        return new CommandLine(new SluiceCli()).execute(args);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return CommandLine.ExitCode.USAGE;
    }

    static void printErrors(PrintWriter err, Path file, ConfigException e) {
        for (ConfigError ce : e.errors()) {
            err.println(file + (ce.line() > 0 ? ":" + ce.line() : "") + ": " + ce.message());
        }
        err.flush();
    }

    static void printSummary(PrintWriter out, List<PipelineReport> reports) {
        out.printf("%-20s %-17s %10s %10s %10s %10s %10s  %-8s %s%n", "pipeline", "policy", "received", "delivered",
                "dropped", "filtered", "discarded", "adds up", "outcome");
        for (PipelineReport r : reports) {
            out.printf("%-20s %-17s %,10d %,10d %,10d %,10d %,10d  %-8s %s%n", r.name(), r.policy(), r.received(),
                    r.delivered(), r.dropped(), r.filtered(), r.discarded(), r.addsUp() ? "yes" : "NO", r.outcome());
        }
        for (PipelineReport r : reports) {
            if (r.deadLettered() > 0 || r.sinkRetries() > 0) {
                out.printf("%-20s sink: %,d dead-lettered, %,d resent after reconnects%n", r.name(), r.deadLettered(),
                        r.sinkRetries());
            }
        }
        out.flush();
    }

    static void printStats(PrintWriter out, List<Gateway.StatsLine> lines) {
        if (lines.isEmpty()) {
            return;
        }
        out.println();
        out.printf("%-20s %-10s %-16s %10s %12s %12s %12s %12s%n", "pipeline", "measure", "key", "count", "mean",
                "stddev", "min", "max");
        for (Gateway.StatsLine l : lines) {
            out.printf("%-20s %-10s %-16s %,10d %12.3f %12.3f %12.3f %12.3f%n", l.pipeline(), l.measure(), l.key(),
                    l.stats().count(), l.stats().mean(), l.stats().stddev(), l.stats().min(), l.stats().max());
        }
        out.flush();
    }

    /** A command on one gateway configuration file. */
    abstract static class FileCommand implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "gateway YAML file")
        Path file;

        /** @return the valid configuration, or null after printing why it is not (every error, with its line) */
        GatewayConfig load() {
            PrintWriter err = spec.commandLine().getErr();
            try {
                return GatewayConfig.load(file);
            } catch (ConfigException e) {
                printErrors(err, file, e);
            } catch (IOException e) {
                err.println(file + ": cannot read: " + e);
                err.flush();
            }
            return null;
        }
    }

    /** {@code sluice validate FILE}. */
    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Check a gateway configuration; print every error with its line. Also checks the"
                    + " on-disk log of every persistent stage that exists (as 'sluice buffer check').")
    static final class Validate extends FileCommand {
        @Override
        public Integer call() {
            GatewayConfig c = load();
            if (c == null) {
                return INVALID;
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(file + ": valid, " + c.pipelines().size() + " pipeline(s)");
            int logs = BufferCommand.checkLogs(c, out); // the persistent logs the file names, if they exist
            out.flush();
            return logs;
        }
    }

    /** {@code sluice run FILE}. */
    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run the pipelines a gateway configuration describes until they end or SIGTERM/Ctrl-C.")
    static final class Run extends FileCommand {
        @Option(names = "--max-time", description = "stop after this long, e.g. 30s (default: run until done)")
        String maxTime;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            GatewayConfig config = load();
            if (config == null) {
                return INVALID;
            }
            Duration limit = maxTime == null ? null : io.sluice.gateway.Durations.parse(maxTime);
            try {
                return runGateway(config, out, limit, new CountDownLatch(1), g -> { });
            } catch (GatewayStartException e) {
                err.println(file + ": " + e.getMessage());
                err.flush();
                return CANNOT_START;
            }
        }
    }

    /**
     * Runs a gateway until its pipelines end, {@code limit} elapses or the JVM is asked to stop;
     * then drains, prints the summary and returns the exit code. Counting {@code finished} down
     * also stops it (tests use that as a stand-in for SIGTERM).
     *
     * @throws GatewayStartException when a pipeline or the admin server cannot bind (nothing is left running)
     */
    static int runGateway(GatewayConfig config, PrintWriter out, Duration limit, CountDownLatch finished,
                          java.util.function.Consumer<Gateway> started) throws InterruptedException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EventDispatcher events = new EventDispatcher();
        // the admin server first, so that a balancer polling /health/ready sees 503 while the
        // pipelines bind, and 200 only once every one of them has
        HealthState health = new HealthState();
        AtomicReference<Gateway> running = new AtomicReference<>();
        AdminServer admin = config.admin().map(a -> startAdmin(a, registry, running, health)).orElse(null);
        if (admin != null) {
            out.println("admin: " + admin.url() + "/ (dashboard), " + admin.url() + "/metrics, "
                    + admin.url() + "/health/ready");
            out.flush();
        }
        // SIGTERM / Ctrl-C: the hook wakes this thread, which stops ingesting, drains, prints the
        // summary; the hook then ends the JVM with the run's exit code (0 unless a pipeline failed).
        // The hook is installed before the pipelines start: /health/ready turns 200 inside Gateway.start, and a
        // balancer's SIGTERM right after that must still drain (a signal during the start stops the
        // gateway as soon as it has started).
        ShutdownHook hook = ShutdownHook.install("sluice-shutdown", finished,
                config.drainTimeout().plusSeconds(15));
        Gateway gateway;
        try {
            gateway = Gateway.start(config, registry, events, System.out, health);
        } catch (RuntimeException e) {
            if (admin != null) {
                admin.close();
            }
            hook.finish(INVALID);
            throw e;
        }
        running.set(gateway);
        started.accept(gateway);
        ReloadSignal.install(); // after the start, as before (SighupReloadTest failed twice in full runs with it earlier)
        int exitCode = INVALID;
        try {
            gateway.done().doFinally(s -> finished.countDown()).subscribe();
            if (limit == null) {
                finished.await();
            } else {
                finished.await(limit.toMillis(), TimeUnit.MILLISECONDS);
            }
            stopQuietly(gateway, config.drainTimeout()); // readiness turns 503 first (Gateway.stop)
            printSummary(out, gateway.report());
            printStats(out, gateway.stats());
            health.stopped();
            if (admin != null) {
                admin.close();
            }
            registry.close();
            exitCode = gateway.report().stream().anyMatch(r -> r.outcome().equals("FAILED")) ? INVALID : 0;
        } finally {
            hook.finish(exitCode);
        }
        return exitCode;
    }

    /** Binds the admin server (before the gateway starts); when it cannot, says so in one line. */
    private static AdminServer startAdmin(GatewayConfig.Admin a, PrometheusMeterRegistry registry,
                                          AtomicReference<Gateway> gateway, HealthState health) {
        try {
            return AdminServer.start(a.host(), a.port(), registry, () -> {
                Gateway g = gateway.get();
                return g == null ? List.of() : g.report();
            }, Duration.ofSeconds(1), health, a.tls());
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new GatewayStartException("admin", "the admin server cannot start: it cannot bind TCP " + a.host()
                    + ":" + a.port() + ": " + (root.getMessage() != null ? root.getMessage() : root), e);
        }
    }

    private static void stopQuietly(Gateway gateway, Duration drainTimeout) {
        try {
            gateway.stop(drainTimeout).block(drainTimeout.plusSeconds(5));
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(SluiceCli.class).warn("gateway did not drain: {}", e.toString());
        }
    }

    /** {@code sluice demo}: the gateway demo. */
    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Run a gateway with TCP, UDP, HTTP and WebSocket sources fed by a load generator;"
                    + " show a live view and the accounting.")
    static final class DemoCommand implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--seconds", defaultValue = "10", description = "how long the load runs (default 10)")
        int seconds;

        @Option(names = "--admin-port", defaultValue = "-1",
                description = "serve the dashboard and /metrics on this port (0 = any free port; default: off)")
        int adminPort;

        @Override
        public Integer call() {
            List<io.sluice.demo.GatewayDemo.Row> rows = io.sluice.demo.GatewayDemo.run(Duration.ofSeconds(seconds),
                    spec.commandLine().getOut(), System.console() != null, adminPort);
            return rows.stream().allMatch(io.sluice.demo.GatewayDemo.Row::addsUp) ? 0 : INVALID;
        }
    }

    /** {@code sluice overflow-demo}: the four overflow policies side by side. */
    @Command(name = "overflow-demo", mixinStandardHelpOptions = true,
            description = "Push generated messages through every overflow policy and print the accounting.")
    static final class OverflowDemoCommand implements Callable<Integer> {
        @Option(names = "--messages", defaultValue = "100000", description = "messages per pipeline")
        int messages;

        @Option(names = "--capacity", defaultValue = "1024", description = "overflow capacity")
        int capacity;

        @Override
        public Integer call() {
            io.sluice.demo.Demo.main(new String[] {Integer.toString(messages), Integer.toString(capacity)});
            return 0;
        }
    }
}
