package io.sluice.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.transport.NettyLeakCheck;
import io.sluice.transport.Transports;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;

/**
 * The HTTP source's connection handling, byte for byte on a plain socket: pipelined requests are
 * answered in request order on one connection (refusals and acceptances mixed), HTTP/1.0 closes
 * after the answer unless the client asked for keep-alive (then it is said), and many connections
 * answered at once each get a well-formed 202 (the one shared 202 response is never altered).
 */
@ExtendWith(NettyLeakCheck.class)
class HttpConnectionTest {

    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");

    private final BlockingQueue<Message> got = new LinkedBlockingQueue<>();
    private Disposable running;

    @AfterEach
    void stop() {
        if (running != null) {
            running.dispose();
        }
    }

    private int start() {
        HttpSource source = Transports.http().port(0).source();
        running = source.flux().subscribe(got::add);
        return source.boundAddress().block(Duration.ofSeconds(10)).getPort();
    }

    /** Sends {@code request} at once, then reads until the server closes or is silent for 1 s. */
    private static String exchange(int port, String request, boolean[] closed) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            s.setSoTimeout(1000);
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            closed[0] = false;
            while (System.nanoTime() < deadline) {
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException silent) {
                    break;
                }
                if (n < 0) {
                    closed[0] = true;
                    break;
                }
                out.write(buf, 0, n);
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static List<Integer> statuses(String answers) {
        List<Integer> codes = new ArrayList<>();
        Matcher m = STATUS.matcher(answers);
        while (m.find()) {
            codes.add(Integer.parseInt(m.group(1)));
        }
        return codes;
    }

    private static String post(String target, String version, String extra, String body) {
        return "POST " + target + " " + version + "\r\nHost: 127.0.0.1\r\n" + extra + "Content-Length: " + body.length()
                + "\r\n\r\n" + body;
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws Exception {
        int port = start();
        boolean[] closed = new boolean[1];
        String answers = exchange(port, post("/ingest", "HTTP/1.1", "", "p1") + post("/elsewhere", "HTTP/1.1", "", "xx")
                + post("/ingest?q=1", "HTTP/1.1", "", "p3") + "GET /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                + post("/ingest", "HTTP/1.1", "", "p5"), closed);
        assertThat(statuses(answers)).containsExactly(202, 404, 202, 405, 202);
        assertThat(closed[0]).as("kept alive").isFalse();
        List<String> payloads = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Message m = got.poll(10, TimeUnit.SECONDS);
            assertThat(m).isNotNull();
            payloads.add(new String(m.payload(), StandardCharsets.US_ASCII));
        }
        assertThat(payloads).containsExactly("p1", "p3", "p5");
    }

    @Test
    void http10ClosesAfterTheAnswerUnlessKeepAliveWasAsked() throws Exception {
        int port = start();
        boolean[] closed = new boolean[1];
        String plain = exchange(port, post("/ingest", "HTTP/1.0", "", "a"), closed);
        assertThat(statuses(plain)).containsExactly(202);
        assertThat(closed[0]).as("HTTP/1.0 without keep-alive: closed").isTrue();

        String kept = exchange(port, post("/ingest", "HTTP/1.0", "Connection: keep-alive\r\n", "b")
                + post("/ingest", "HTTP/1.0", "", "c"), closed);
        assertThat(statuses(kept)).containsExactly(202, 202);
        assertThat(kept.toLowerCase()).contains("connection: keep-alive").contains("connection: close");
        assertThat(closed[0]).as("closed after the request that did not ask for keep-alive").isTrue();
        for (String expected : List.of("a", "b", "c")) {
            Message m = got.poll(10, TimeUnit.SECONDS);
            assertThat(m).isNotNull();
            assertThat(new String(m.payload(), StandardCharsets.US_ASCII)).isEqualTo(expected);
        }
    }

    @Test
    void manyConnectionsAtOnceEachGetAWellFormed202() throws Exception {
        int port = start();
        int clients = 16;
        int each = 50;
        List<Thread> threads = new ArrayList<>();
        List<String> answers = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int c = 0; c < clients; c++) {
            int id = c;
            Thread t = new Thread(() -> {
                StringBuilder req = new StringBuilder();
                for (int i = 0; i < each; i++) {
                    req.append(post("/ingest", "HTTP/1.1", "Content-Type: text/plain\r\n", id + "-" + i));
                }
                try {
                    answers.add(exchange(port, req.toString(), new boolean[1]));
                } catch (Exception e) {
                    answers.add("failed: " + e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertThat(answers).hasSize(clients);
        String one = "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n";
        for (String a : answers) {
            assertThat(a).isEqualTo(one.repeat(each));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (got.size() < clients * each && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(got).hasSize(clients * each);
        assertThat(got).allSatisfy(m -> assertThat(m.header("content-type")).contains("text/plain"));
    }
}
