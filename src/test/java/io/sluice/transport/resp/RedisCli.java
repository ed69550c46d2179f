package io.sluice.transport.resp;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.util.SafeEncoder;

/** Test clients for the RESP endpoints: Debian's {@code redis-cli}, Jedis, and a raw socket. */
final class RedisCli {

    static final Path REDIS_CLI = Path.of("/usr/bin/redis-cli");

    private RedisCli() {
    }

    /**
     * Waits up to 10 s for {@code condition}, polling every 10 ms.
     *
     * @param what described in the failure
     */
    static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 10 s waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Skips the calling test when redis-cli is not installed (Debian package redis-tools). */
    static void assumeInstalled() {
        assumeTrue(Files.isExecutable(REDIS_CLI), "redis-cli is not installed (apt-get install redis-tools)");
    }

    /**
     * Runs {@code redis-cli -h 127.0.0.1 -p port args...}, bounded to 20 s.
     *
     * @return its standard output, trimmed
     */
    static String run(int port, String... args) throws IOException, InterruptedException {
        return pipe(port, null, args);
    }

    /**
     * @param stdin text piped to redis-cli (one command a line), or null
     * @return its standard output and error, trimmed
     */
    static String pipe(int port, String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(REDIS_CLI.toString(), "-h", "127.0.0.1", "-p", String.valueOf(port)));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("redis-cli did not finish: " + cmd);
        }
        return new String(out, StandardCharsets.UTF_8).trim();
    }

    /** A Jedis command by name (Jedis knows no UPDATE, NEXT, ...). */
    static ProtocolCommand command(String name) {
        byte[] raw = SafeEncoder.encode(name);
        return () -> raw;
    }

    /** Sends a command with Jedis and returns the reply, bulk strings decoded as UTF-8. */
    static Object send(Jedis jedis, String name, String... args) {
        Object r = jedis.sendCommand(command(name), args);
        return r instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : r;
    }

    /**
     * Writes {@code bytes} on a fresh socket and reads until the server closes it or 10 s pass.
     *
     * @return everything the server sent, and whether it closed the connection
     */
    static Raw raw(int port, byte[] bytes) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            boolean closed = false;
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
                closed = true;
            } catch (java.net.SocketTimeoutException stillOpen) {
                closed = false;
            } catch (java.net.SocketException reset) {
                closed = true;
            }
            return new Raw(got.toString(StandardCharsets.UTF_8), closed);
        }
    }

    /**
     * @param text what the server sent
     * @param closed whether it closed the connection
     */
    record Raw(String text, boolean closed) {
    }
}
