package io.sluice.cli;

import io.sluice.gateway.GatewayConfig;
import io.sluice.persist.BufferTool;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice buffer check|inspect|repair PATH}: offline tools for a persistent stage's log
 * directory ({@link BufferTool}). {@code check} and {@code inspect} only read; {@code repair} refuses
 * while a gateway has the directory open, and moves corrupt byte ranges to {@code quarantine/}
 * instead of deleting them. Exit codes: 0 clean (or repaired), 1 corrupt ranges found by
 * {@code check}, 2 the directory cannot be read or is locked.
 */
@Command(name = "buffer", mixinStandardHelpOptions = true,
        description = "Check, inspect or repair the on-disk log of a persistent overflow stage.")
final class BufferCommand implements Callable<Integer> {

    private static final String PATH_HELP = "the log directory (overflow: {policy: persistent, path: ...})";

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** One tool run on a directory; returns the exit code. */
    private interface Tool {
        int run(PrintWriter out) throws IOException;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return SluiceCli.CANNOT_START;
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Integrity report: segments, records, unacknowledged records and bytes, corrupt ranges."
                    + " Exit 1 when corrupt.")
    int check(@Parameters(paramLabel = "PATH", description = PATH_HELP) Path dir) {
        return on(dir, out -> print(out, dir.toString(), BufferTool.check(dir)));
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Print records: offset, acknowledged or not, times, key, headers, payload preview.")
    int inspect(@Parameters(paramLabel = "PATH", description = PATH_HELP) Path dir,
                @Option(names = "--from", description = "first offset to print (default 0)") long from,
                @Option(names = "--limit", defaultValue = "20", description = "records to print at most (default 20)")
                int limit) {
        return on(dir, out -> {
            BufferTool.inspect(dir, from, limit).forEach(out::println);
            return 0;
        });
    }

    @Command(name = "repair", mixinStandardHelpOptions = true,
            description = "Move corrupt ranges to quarantine/ and rewrite damaged segments with their good records"
                    + " (refused while a gateway has the log open).")
    int repair(@Parameters(paramLabel = "PATH", description = PATH_HELP) Path dir) {
        return on(dir, out -> {
            List<String> done = BufferTool.repair(dir);
            if (done.isEmpty()) {
                out.println(dir + ": nothing corrupt, nothing changed");
            } else {
                done.forEach(out::println);
            }
            return 0;
        });
    }

    private int on(Path dir, Tool tool) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            if (!Files.isDirectory(dir)) {
                err.println(dir + ": not a directory");
                return SluiceCli.CANNOT_START;
            }
            return tool.run(out);
        } catch (IOException | RuntimeException e) {
            err.println(dir + ": " + e.getMessage());
            return SluiceCli.CANNOT_START;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * Prints a check report.
     *
     * @return 0 when clean, 1 when corrupt ranges were found
     */
    static int print(PrintWriter out, String what, BufferTool.Report r) {
        out.printf("%s: %d segment(s), %d record(s), %d unacknowledged (%d bytes), acknowledged up to offset %d%n",
                what, r.segments(), r.records(), r.unacknowledged(), r.unacknowledgedBytes(), r.ackNext());
        r.notes().forEach(n -> out.println("  note: " + n));
        r.corrupt().forEach(c -> out.println("  corrupt: " + c));
        out.println(r.clean() ? "  clean" : "  CORRUPT: " + r.corrupt().size() + " range(s); see 'sluice buffer repair'");
        return r.clean() ? 0 : SluiceCli.INVALID;
    }

    /**
     * {@code sluice validate}'s part: checks every persistent stage's directory that exists.
     *
     * @return 0 when every log is clean (or not created yet), 1 otherwise
     */
    static int checkLogs(GatewayConfig config, PrintWriter out) {
        int rc = 0;
        for (GatewayConfig.PipelineSpec p : config.pipelines()) {
            GatewayConfig.PersistentSpec ps = p.overflow().persistent();
            if (ps == null || !Files.isDirectory(ps.path())) {
                continue;
            }
            try {
                rc = Math.max(rc, print(out, "pipeline '" + p.name() + "' log " + ps.path(), BufferTool.check(ps.path())));
            } catch (IOException e) {
                out.println("pipeline '" + p.name() + "' log " + ps.path() + ": cannot be read: " + e.getMessage());
                rc = SluiceCli.INVALID;
            }
        }
        return rc;
    }
}
