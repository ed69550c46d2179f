package io.sluice.bench.kafka;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts a measured client (Sluice's or Kafka's tool) in a child JVM on this harness's class path, with
 * the same JVM options for both sides, so neither shares a heap, a JIT or GC pauses with the broker.
 * With {@code -Dprofile=<dir>} each child runs under async-profiler ({@code -Dprofiler.lib=<path of
 * libasyncProfiler.so>}, {@code event=itimer}) and writes {@code <dir>/<label>.html}, or with
 * {@code -Dprofile.format=jfr} {@code <dir>/<label>.jfr} (timestamped samples: the timed window can be cut
 * out with jfr-converter's {@code --from/--to}); the child's output goes to {@code <dir>/<label>.out}, and
 * each line with the epoch ms it arrived at to {@code <dir>/<label>.arrivals}.
 * {@code -Djvm.extra="<options>"} adds JVM options to both sides (diagnostics such as JIT logs, not figures);
 * {@code {label}} in them becomes the client's label.
 */
final class Jvm {

    /** The options both sides get. */
    static final List<String> OPTIONS = List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");

    private Jvm() {
    }

    /**
     * @param label names the profile file, if profiling
     * @param mainAndArgs the main class and its arguments
     * @return the child's standard output and error
     */
    static String run(String label, List<String> mainAndArgs) throws IOException, InterruptedException {
        return run(label, mainAndArgs, null);
    }

    /**
     * @param label names the profile file, if profiling
     * @param mainAndArgs the main class and its arguments
     * @param sluiceClasses another build's Sluice classes in place of this class path's
     *        ({@code -Dsluice.classes}), or null
     * @return the child's standard output and error
     */
    static String run(String label, List<String> mainAndArgs, String sluiceClasses)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(OPTIONS);
        String extra = System.getProperty("jvm.extra", "").trim();
        if (!extra.isEmpty()) { // diagnostics only (both sides alike), e.g. JIT logging: never for figures
            for (String x : extra.split("\\s+")) {
                cmd.add(x.replace("{label}", label));
            }
        }
        String profile = System.getProperty("profile");
        if (profile != null) {
            cmd.add("-agentpath:" + System.getProperty("profiler.lib") + "=start,event=itimer,interval=1ms,threads,file="
                    + Path.of(profile, label + "." + System.getProperty("profile.format", "html")));
        }
        cmd.add("-cp");
        String cp = System.getProperty("java.class.path");
        if (sluiceClasses != null) {
            String mine = System.getProperty("sluice.classes");
            List<String> entries = new ArrayList<>(List.of(cp.split(java.io.File.pathSeparator)));
            if (mine == null || !entries.contains(mine)) {
                throw new IllegalStateException("-Dsluice.classes must name this class path's Sluice classes");
            }
            entries.set(entries.indexOf(mine), sluiceClasses);
            cp = String.join(java.io.File.pathSeparator, entries);
        }
        cmd.add(cp);
        cmd.addAll(mainAndArgs);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder text = new StringBuilder();
        StringBuilder arrivals = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                text.append(line).append('\n');
                arrivals.append(System.currentTimeMillis()).append('\t').append(line).append('\n');
            }
        }
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(mainAndArgs.get(0) + " failed:\n" + text);
        }
        if (profile != null) {
            Files.writeString(Path.of(profile, label + ".out"), text);
            // epoch ms at which each line arrived: ProducerPerformance prints no window, only its summary at the end
            Files.writeString(Path.of(profile, label + ".arrivals"), arrivals);
        }
        return text.toString();
    }
}
