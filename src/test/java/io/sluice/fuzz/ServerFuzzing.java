package io.sluice.fuzz;

import io.sluice.event.ConnectionError;
import io.sluice.transport.NettyLeakCheck;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the fuzz targets that drive a real server share: one exchange of raw bytes over a fresh
 * 127.0.0.1 connection (write, half-close, read the answer until the server closes, bounded in time
 * and size: a server that neither answers nor closes is a hang), and the checks after it: no
 * connection error caused by a programming error (a {@link NullPointerException},
 * {@link ClassCastException}, index or reference-count error...), no stack trace printed by the
 * server's logging, no Netty buffer leak.
 *
 * <p>Each input's connection is opened while the previous input is being answered, so the server has
 * accepted it by the time the input is written (HTTP target, load 19: 271 -> 852 inputs/s,
 * benchmarks/results/fuzz-http-ab-2026-12-03.txt).
 *
 * <p>Jazzer's server-side request forgery detector would flag every connect: scripts/fuzz.sh and the
 * pom's fuzz-regression execution disable that one hook ({@code jazzer.disabled_hooks}); the targets
 * dial only 127.0.0.1.
 */
public final class ServerFuzzing {

    /** Longest wait for a server's answer and close. */
    public static final int TIMEOUT_MS = 5_000;
    /** Most answer bytes kept. */
    public static final int MAX_ANSWER = 64 * 1024;

    /** Oldest a connection opened ahead may be when an input uses it. */
    private static final long SPARE_MAX_AGE_MS = 500;

    /** A connection opened ahead by {@link #prepare} (used by one fuzzing thread at a time), or null. */
    private static Socket spare;
    private static long spareOpened;

    /** Exceptions that are never a documented rejection, wherever they appear in a cause chain. */
    private static final Set<String> BUGS = Set.of("java.lang.NullPointerException", "java.lang.ClassCastException",
            "java.lang.IndexOutOfBoundsException", "java.lang.ArrayIndexOutOfBoundsException",
            "java.lang.StringIndexOutOfBoundsException", "java.lang.NegativeArraySizeException",
            "java.lang.ArithmeticException", "java.lang.UnsupportedOperationException",
            "io.netty.util.IllegalReferenceCountException", "java.lang.OutOfMemoryError",
            "java.lang.StackOverflowError", "java.lang.AssertionError");

    /** Lines the server's logging wrote to standard error that look like a stack trace. */
    private static final List<String> TRACES = new CopyOnWriteArrayList<>();

    static {
        // slf4j-simple writes to System.err as it is at each log call: watch it for stack traces
        PrintStream real = System.err;
        System.setErr(new PrintStream(new java.io.OutputStream() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream();
            /** A "Caused by:" line, kept until the next line shows whether a stack frame follows it. */
            private String cause;

            @Override
            public synchronized void write(int b) {
                real.write(b);
                if (b == '\n') {
                    String s = line.toString(StandardCharsets.UTF_8);
                    if (isFrame(s)) {
                        // a trace is its frames: a "Caused by:" line alone may be the client's own text echoed
                        // in a log line (reactor-netty logs a request line it cannot decode: method "Caused",
                        // URI "by:"), which is no stack trace
                        if (cause != null) {
                            TRACES.add(cause);
                        }
                        TRACES.add(s);
                        cause = null;
                    } else {
                        cause = s.startsWith("Caused by:") ? s : null;
                    }
                    line.reset();
                } else if (line.size() < 4096) {
                    line.write(b);
                }
            }
        }, true));
        NettyLeakCheck.LEAKS.size(); // installs the recording leak detector factories before Netty makes its own
    }

    private ServerFuzzing() {
    }

    /** @return whether a line printed to standard error is a stack frame ("\tat ...", "  at pkg...", "\t... 3 more") */
    static boolean isFrame(String line) {
        return line.startsWith("\tat ") || line.matches("^\\s+at [a-zA-Z].*") || line.matches("^\\s+\\.\\.\\. \\d+ more\\s*$");
    }

    /** Applies the static set-up above (stderr watch, loopback connections allowed, leak recording). */
    public static void init() {
        // the work is in the static initialiser
    }

    /**
     * @param port server port on 127.0.0.1
     * @param request bytes to send (then the output is shut down)
     * @return what the server answered before it closed the connection (at most {@link #MAX_ANSWER} bytes)
     * @throws AssertionError when the server neither answers and closes within {@link #TIMEOUT_MS}
     */
    public static byte[] exchange(int port, byte[] request) throws IOException {
        try (Socket s = connection(port)) {
            s.setSoTimeout(TIMEOUT_MS);
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            try {
                OutputStream out = s.getOutputStream();
                out.write(request);
                out.flush();
                s.shutdownOutput();
            } catch (SocketException closedEarly) {
                // the server closed (e.g. after a protocol error) before everything was written
            }
            // the next input's connection is opened now: the server accepts it while this input is worked on
            // (one thread hand-off fewer per input on a loaded machine; still a fresh connection per input)
            prepare(port);
            long deadline = System.nanoTime() + TIMEOUT_MS * 1_000_000L;
            byte[] buf = new byte[8192];
            InputStream in = s.getInputStream();
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (answer.size() < MAX_ANSWER) {
                        answer.write(buf, 0, Math.min(n, MAX_ANSWER - answer.size()));
                    }
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("the server kept the connection open for more than " + TIMEOUT_MS
                                + " ms after the request was complete (answered " + answer.size() + " bytes)");
                    }
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no answer and no close within " + TIMEOUT_MS + " ms (hang); answered so far: "
                        + answer.toString(StandardCharsets.ISO_8859_1), e);
            } catch (SocketException reset) {
                // a reset after the server closed with unread input: the answer so far is complete
            }
            return answer.toByteArray();
        }
    }

    /**
     * A fresh connection to the port: the one {@link #prepare} opened for it, if it is under
     * {@link #SPARE_MAX_AGE_MS} old and still open (so it is far from any server idle or header timeout),
     * else a new one.
     */
    private static synchronized Socket connection(int port) throws IOException {
        Socket s = spare;
        spare = null;
        if (s != null) {
            if (s.getPort() == port && !s.isClosed() && System.nanoTime() - spareOpened < SPARE_MAX_AGE_MS * 1_000_000L) {
                return s;
            }
            s.close();
        }
        return connect(port);
    }

    /** Opens the next input's connection now (a failure is left for that input's own connect to report). */
    private static synchronized void prepare(int port) {
        try {
            spare = connect(port);
            spareOpened = System.nanoTime();
        } catch (IOException e) {
            spare = null;
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MS);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /**
     * @param errors connection errors the source published so far (checked, then cleared)
     * @throws AssertionError when one was caused by a programming error, the server printed a stack trace, or
     *     Netty reported a leaked buffer
     */
    public static void assertClean(List<ConnectionError> errors) {
        for (ConnectionError e : errors) {
            for (Throwable t = e.error(); t != null; t = t.getCause()) {
                if (BUGS.contains(t.getClass().getName())) {
                    throw new AssertionError("connection error '" + e.reason() + "' caused by a programming error", t);
                }
            }
        }
        errors.clear();
        if (!TRACES.isEmpty()) {
            String trace = String.join("\n", TRACES);
            TRACES.clear(); // reported once: the next input is judged on its own
            throw new AssertionError("the server logged a stack trace: " + trace);
        }
        if (!NettyLeakCheck.LEAKS.isEmpty()) {
            throw new AssertionError("Netty buffer leak: " + NettyLeakCheck.LEAKS.get(0));
        }
    }
}
