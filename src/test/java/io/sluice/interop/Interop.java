package io.sluice.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Runs the stock-client examples of {@code docs/wire-formats.md} (kept as files under
 * {@code src/test/resources/interop/}) in a scratch directory: messages to send are files
 * {@code messages/00000, 00001, ...} (newline framing: the lines of {@code messages.txt}), what a
 * stock receiver got lands in {@code received/} (TCP: one stream file), and {@code PORT} /
 * {@code COUNT} come from the environment. A missing tool fails the test, naming the Debian package.
 */
final class Interop implements AutoCloseable {

    /** Message sizes where the transport allows them (UDP: {@link #UDP_SIZES}). */
    static final int[] SIZES = {18, 4266, 79435};
    /** UDP's largest payload is 65507 bytes (IPv4). */
    static final int[] UDP_SIZES = {18, 4266, 65507};
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    final Path dir;
    private final List<Process> processes = new ArrayList<>();

    Interop() {
        try {
            dir = Files.createTempDirectory("sluice-interop");
            Files.createDirectories(dir.resolve("messages"));
            Files.createDirectories(dir.resolve("received"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Message {@code index} of {@code size} bytes: every byte value, or (printable) '!'..'~' only,
     * so that it suits newline framing.
     */
    static byte[] payload(int index, int size, boolean printable) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            int v = index * 31 + i * 7 + (i >>> 8);
            b[i] = printable ? (byte) ('!' + Math.floorMod(v, 94)) : (byte) v;
        }
        return b;
    }

    /** @return {@code perSize} messages of each size, sizes interleaved (18, 4266, 79435, 18, ...) */
    static List<byte[]> messages(int perSize, int[] sizes, boolean printable) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < perSize * sizes.length; i++) {
            out.add(payload(i, sizes[i % sizes.length], printable));
        }
        return out;
    }

    /** Writes {@code messages/NNNNN}, one file per message. */
    void writeMessages(List<byte[]> messages) throws IOException {
        for (int i = 0; i < messages.size(); i++) {
            Files.write(dir.resolve("messages").resolve(String.format("%05d", i)), messages.get(i));
        }
    }

    /** Writes {@code messages.txt}: the messages as lines, the last one without its newline. */
    void writeLines(List<byte[]> messages) throws IOException {
        Files.write(dir.resolve("messages.txt"), joinLines(messages, false));
    }

    static byte[] joinLines(List<byte[]> messages, boolean lastNewline) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < messages.size(); i++) {
            out.writeBytes(messages.get(i));
            if (i < messages.size() - 1 || lastNewline) {
                out.write('\n');
            }
        }
        return out.toByteArray();
    }

    /** @return the files of {@code received/}, in name order */
    List<byte[]> received() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("received"))) {
            return s.sorted().map(Interop::read).toList();
        }
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the text of an example under {@code src/test/resources/interop/} */
    static String example(String name) {
        try (InputStream in = Interop.class.getResourceAsStream("/interop/" + name)) {
            assertThat(in).as("example %s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails (does not skip) when an executable is not on the PATH. */
    static void requireTool(String tool, String debianPackage) {
        boolean found = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, tool)));
        if (!found) {
            fail(tool + " is not installed: apt-get install " + debianPackage + " (.ci/run installs it)");
        }
    }

    /** Fails (does not skip) when {@link #PYTHON} cannot import a module. */
    static void requirePython(String module, String debianPackage) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(PYTHON, "-c", "import " + module).redirectErrorStream(true).start();
        } catch (IOException e) {
            fail(PYTHON + " is not installed: apt-get install python3 (.ci/run installs it)");
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail(PYTHON + " cannot import " + module + ": apt-get install " + debianPackage
                    + " (.ci/run installs it)\n" + out);
        }
    }

    /**
     * Starts an example: {@code sh NAME} or {@code python3 NAME}, in the scratch directory, with
     * {@code env}; stdout and stderr go to {@code NAME.out}.
     */
    Process start(String example, Map<String, String> env) throws IOException {
        Path script = dir.resolve(example);
        Files.writeString(script, example(example));
        ProcessBuilder pb = new ProcessBuilder(example.endsWith(".py") ? PYTHON : "sh", script.toString())
                .directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(example + ".out").toFile());
        pb.environment().putAll(env);
        pb.environment().put("PYTHONPATH", dir.toString());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            String tool = pb.command().get(0);
            throw new AssertionError(tool + " cannot run (" + e.getMessage() + "): apt-get install "
                    + (example.endsWith(".py") ? "python3" : "dash") + " (.ci/run installs python3 with its modules)", e);
        }
        processes.add(p);
        return p;
    }

    /** Waits (bounded) for an example to end, and fails with its output unless it exited with 0. */
    void await(Process p, String example) throws Exception {
        boolean ended = p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
        String out = Files.exists(dir.resolve(example + ".out")) ? Files.readString(dir.resolve(example + ".out")) : "";
        assertThat(ended).as("%s ended within %s; output:%n%s", example, WAIT, out).isTrue();
        assertThat(p.exitValue()).as("%s exit status; output:%n%s", example, out).isZero();
    }

    /** Runs an example to its end (bounded) and fails unless it exited with 0. */
    void run(String example, Map<String, String> env) throws Exception {
        await(start(example, env), example);
    }

    /** Generates the Python gRPC stubs from the repo's proto into the scratch directory (grpc_tools). */
    void generateGrpcStubs() throws Exception {
        Process p = new ProcessBuilder(PYTHON, "-m", "grpc_tools.protoc", "-I" + Path.of("src/main/proto").toAbsolutePath(),
                "--python_out=" + dir, "--grpc_python_out=" + dir, "sluice.proto")
                .redirectErrorStream(true).redirectOutput(dir.resolve("protoc.out").toFile()).start();
        assertThat(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("grpc_tools.protoc: %s", Files.readString(dir.resolve("protoc.out"))).isZero();
    }

    static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Waits (bounded) until something listens on 127.0.0.1:{@code port} (TCP) or is bound to it
     * (UDP), as {@code /proc/net/tcp[6]} / {@code /proc/net/udp[6]} show, without connecting (a socat
     * listener serves one connection only). Fails early if {@code p} ends meanwhile.
     */
    void awaitBound(int port, boolean udp, Process p, String example) throws Exception {
        // 127.0.0.1, or ::ffff:127.0.0.1 on a dual-stack socket (grpcio binds so)
        String local = String.format("0100007F:%04X ", port);
        String state = udp ? " 07 " : " 0A ";
        String proto = udp ? "udp" : "tcp";
        List<Path> tables = List.of(Path.of("/proc/net/" + proto), Path.of("/proc/net/" + proto + "6"));
        waitFor(() -> {
            if (!p.isAlive()) {
                return true;
            }
            for (Path table : tables) {
                try {
                    if (Files.exists(table) && Files.readAllLines(table).stream()
                            .anyMatch(l -> l.contains(local) && l.contains(state))) {
                        return true;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return false;
        }, example + " listening on port " + port);
        if (!p.isAlive()) {
            await(p, example);
            fail(example + " ended before it was listening");
        }
    }

    static void waitFor(BooleanSupplier cond, String what) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("timed out after " + WAIT + " waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Byte-for-byte, in order. */
    static void assertSameInOrder(List<byte[]> actual, List<byte[]> expected) {
        assertThat(actual).as("message count").hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i)).as("message %s (%s B)", i, expected.get(i).length).isEqualTo(expected.get(i));
        }
    }

    /** Byte-for-byte, in any order (UDP, concurrent HTTP requests). */
    static void assertSameInAnyOrder(List<byte[]> actual, List<byte[]> expected) {
        Comparator<byte[]> c = Arrays::compare;
        assertSameInOrder(actual.stream().sorted(c).toList(), expected.stream().sorted(c).toList());
    }

    @Override
    public void close() throws IOException {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
