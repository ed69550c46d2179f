package io.sluice.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.event.EventDispatcher;
import io.sluice.gateway.AdminServer;
import io.sluice.gateway.ConfigError;
import io.sluice.gateway.ConfigException;
import io.sluice.gateway.Gateway;
import io.sluice.gateway.GatewayConfig;
import io.sluice.gateway.PipelineReport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The {@code sluice} command line: {@code run}, {@code validate}, {@code edit} a gateway
 * configuration, and {@code demo}. Exit codes: 0 success, 1 invalid configuration or failed
 * pipeline, 2 usage error. Command-line output is this class's job, so it writes to the
 * picocli-provided standard out and err.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0",
        description = "Reactive ingestion gateway.",
        subcommands = {SluiceCli.Run.class, SluiceCli.Validate.class, SluiceCli.Edit.class, SluiceCli.DemoCommand.class,
                SluiceCli.OverflowDemoCommand.class})
public final class SluiceCli implements Callable<Integer> {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SluiceCli.class);

    /** Exit code for an invalid configuration or a failed pipeline. */
    public static final int INVALID = 1;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * @param args command line
     */
    public static void main(String[] args) {
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

    /** {@code sluice validate FILE}. */
    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Check a gateway configuration; print every error with its line.")
    static final class Validate implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "gateway YAML file")
        Path file;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                GatewayConfig c = GatewayConfig.load(file);
                out.println(file + ": valid, " + c.pipelines().size() + " pipeline(s)");
                out.flush();
                return 0;
            } catch (ConfigException e) {
                printErrors(err, file, e);
                return INVALID;
            } catch (IOException e) {
                err.println(file + ": cannot read: " + e);
                err.flush();
                return INVALID;
            }
        }
    }

    /** {@code sluice run FILE}. */
    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run the pipelines a gateway configuration describes until they end or SIGTERM/Ctrl-C.")
    static final class Run implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "gateway YAML file")
        Path file;

        @Option(names = "--max-time", description = "stop after this long, e.g. 30s (default: run until done)")
        String maxTime;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            GatewayConfig config;
            try {
                config = GatewayConfig.load(file);
            } catch (ConfigException e) {
                printErrors(err, file, e);
                return INVALID;
            }
            Duration limit = maxTime == null ? null : io.sluice.gateway.Durations.parse(maxTime);
            return runGateway(config, out, limit, new CountDownLatch(1), g -> { });
        }
    }

    /**
     * Runs a gateway until its pipelines end, {@code limit} elapses or the JVM is asked to stop;
     * then drains, prints the summary and returns the exit code. Counting {@code finished} down
     * also stops it (tests use that as a stand-in for SIGTERM).
     */
    static int runGateway(GatewayConfig config, PrintWriter out, Duration limit, CountDownLatch finished,
                          java.util.function.Consumer<Gateway> started) throws InterruptedException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EventDispatcher events = new EventDispatcher();
        Gateway gateway = Gateway.start(config, registry, events, System.out);
        started.accept(gateway);
        AdminServer admin = config.admin().map(a -> AdminServer.start(a.host(), a.port(), registry, gateway::report,
                Duration.ofSeconds(1))).orElse(null);
        if (admin != null) {
            out.println("admin: " + admin.url() + "/ (dashboard), " + admin.url() + "/metrics");
            out.flush();
        }
        // SIGTERM / Ctrl-C: the hook wakes the main thread, which stops ingesting, drains, prints
        // the summary; the hook then ends the JVM with the run's exit code (0 unless a pipeline failed).
        CountDownLatch summarised = new CountDownLatch(1);
        int[] exitCode = {0};
        Thread hook = new Thread(() -> {
            finished.countDown();
            try {
                if (summarised.await(config.drainTimeout().toMillis() + 15_000, TimeUnit.MILLISECONDS)) {
                    Runtime.getRuntime().halt(exitCode[0]);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sluice-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        gateway.done().doFinally(s -> finished.countDown()).subscribe();
        if (limit == null) {
            finished.await();
        } else {
            finished.await(limit.toMillis(), TimeUnit.MILLISECONDS);
        }
        stopQuietly(gateway, config.drainTimeout());
        printSummary(out, gateway.report());
        printStats(out, gateway.stats());
        if (admin != null) {
            admin.close();
        }
        registry.close();
        boolean failed = gateway.report().stream().anyMatch(r -> r.outcome().equals("FAILED"));
        exitCode[0] = failed ? INVALID : 0;
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // a signal arrived: the hook is waiting for this summary and ends the JVM
        }
        summarised.countDown();
        return exitCode[0];
    }

    private static void stopQuietly(Gateway gateway, Duration drainTimeout) {
        try {
            gateway.stop(drainTimeout).block(drainTimeout.plusSeconds(5));
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(SluiceCli.class).warn("gateway did not drain: {}", e.toString());
        }
    }

    /** {@code sluice edit FILE}: like {@code crontab -e}. */
    @Command(name = "edit", mixinStandardHelpOptions = true,
            description = "Edit a copy of FILE with $VISUAL or $EDITOR (default vi), validate it, and replace FILE"
                    + " only when valid, keeping its permissions (a symbolic link is followed to its target).")
    static final class Edit implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "gateway YAML file (must exist)")
        Path file;

        InputStream answers = System.in;

        Map<String, String> env = System.getenv();

        @Override
        public Integer call() throws Exception {
            return edit(file, editor(env), answers, spec.commandLine().getOut(), spec.commandLine().getErr());
        }
    }

    /**
     * @param env environment variables
     * @return the editor command: {@code $VISUAL}, else {@code $EDITOR}, else {@code vi} (blank values are skipped)
     */
    static String editor(Map<String, String> env) {
        for (String name : List.of("VISUAL", "EDITOR")) {
            String v = env.get(name);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return "vi";
    }

    /**
     * The edit loop: copy, run the editor, validate, ask to re-edit on error, replace when valid.
     * The original is replaced atomically by a file with its permissions (and, where allowed, its
     * owner and group); when {@code file} is a symbolic link, its target is replaced and the link
     * kept.
     *
     * @return 0 when the file was replaced, 1 when it is missing, the editor failed or the user gave up
     */
    static int edit(Path file, String editor, InputStream answers, PrintWriter out, PrintWriter err)
            throws IOException, InterruptedException {
        if (!Files.exists(file)) {
            err.println(file + ": no such file (sluice edit changes an existing configuration; create it first,"
                    + " e.g. from samples/)");
            err.flush();
            return INVALID;
        }
        Path target = file.toRealPath();
        if (!Files.isRegularFile(target)) {
            err.println(file + ": not a regular file");
            err.flush();
            return INVALID;
        }
        // The copy lives beside the target so the final move is atomic; a directory we may not
        // write to gets the copy in the temp directory and the target rewritten in place.
        Path copy;
        boolean beside = true;
        try {
            copy = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".yaml");
        } catch (java.nio.file.AccessDeniedException readOnlyDir) {
            copy = Files.createTempFile("sluice-edit-", ".yaml");
            beside = false;
        }
        try {
            Files.copy(target, copy, StandardCopyOption.REPLACE_EXISTING);
            BufferedReader in = new BufferedReader(new InputStreamReader(answers, StandardCharsets.UTF_8));
            for (;;) {
                Process p = new ProcessBuilder("sh", "-c", editor + " \"$0\"", copy.toString()).inheritIO().start();
                int code = p.waitFor();
                if (code != 0) {
                    err.println("editor exited with " + code + "; " + file + " left unchanged");
                    err.flush();
                    return INVALID;
                }
                try {
                    GatewayConfig.parse(Files.readString(copy));
                    replace(copy, target, beside);
                    out.println(file + ": valid, saved");
                    out.flush();
                    return 0;
                } catch (ConfigException e) {
                    printErrors(err, file, e);
                    out.print("Edit again? [Y/n] ");
                    out.flush();
                    String answer = in.readLine();
                    if (answer == null || answer.trim().toLowerCase(java.util.Locale.ROOT).startsWith("n")) {
                        err.println(file + " left unchanged");
                        err.flush();
                        return INVALID;
                    }
                }
            }
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    /** Replaces {@code target} by {@code copy}, keeping the target's permissions, owner and group. */
    private static void replace(Path copy, Path target, boolean beside) throws IOException {
        if (!beside) {
            Files.write(target, Files.readAllBytes(copy)); // in place: the file keeps its attributes
            return;
        }
        PosixFileAttributeView view = Files.getFileAttributeView(target, PosixFileAttributeView.class);
        if (view != null) {
            PosixFileAttributes attrs = view.readAttributes();
            PosixFileAttributeView copyView = Files.getFileAttributeView(copy, PosixFileAttributeView.class);
            try {
                copyView.setGroup(attrs.group());
                copyView.setOwner(attrs.owner());
            } catch (IOException | SecurityException notPermitted) {
                LOG.debug("cannot keep the owner/group of {}: {}", target, notPermitted.toString());
            }
            copyView.setPermissions(attrs.permissions());
        }
        Files.move(copy, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
