package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.tls.StderrCapture;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rejections as a user sees them, with plain sockets as clients: the answer on the wire, one WARN
 * line naming peer, pipeline, reason and limit (no stack trace, no header dump), and the
 * {@code sluice_transport_errors_total{pipeline,reason,transport}} series of {@code /metrics}.
 */
class TransportErrorsTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private Gateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.cancel();
        }
    }

    private int startHttp(String pipeline, String options) throws Exception {
        return start(pipeline, "http", options);
    }

    private int start(String pipeline, String type, String options) throws Exception {
        int port = Ports.freeTcpPort();
        String yaml = "pipelines:\n"
                + "  - name: " + pipeline + "\n"
                + "    source: {type: " + type + ", host: 127.0.0.1, port: " + port + options + "}\n"
                + "    sink: {type: discard}\n";
        gateway = Gateway.start(GatewayConfig.parse(yaml), registry, new EventDispatcher(), new ByteArrayOutputStream());
        return port;
    }

    /** Sends {@code request} on a fresh connection and returns everything answered until the server closes. */
    static String exchange(int port, byte[] request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) > 0 && answer.size() < 65536; ) {
                    answer.write(buf, 0, n);
                }
            } catch (java.net.SocketException reset) {
                // the server closed after answering
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }

    double errors(String pipeline, String transport, String reason) {
        String series = "sluice_transport_errors_total{pipeline=\"" + pipeline + "\",reason=\"" + reason
                + "\",transport=\"" + transport + "\"}";
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(registry.scrape());
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** Waits (bounded, 10 s) until {@code read} gives at least {@code atLeast}; returns the last value. */
    static <T> double await(Function<T, Double> read, T arg, double atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        double v = read.apply(arg);
        while (!(v >= atLeast) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            v = read.apply(arg);
        }
        return v;
    }

    @Test
    void httpVersionOtherThan10And11IsAnswered505CountedAndLoggedOnce() throws Exception {
        int port = startHttp("web", "");
        try (StderrCapture log = new StderrCapture()) {
            String answer = exchange(port, ("POST /ingest HTTP/9.9\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(answer).startsWith("HTTP/1.1 505 ");
            assertThat(await(r -> errors("web", "http", r), "malformed", 1)).isEqualTo(1.0);
            assertThat(log.lines("WARN")).singleElement().asString()
                    .contains("pipeline 'web'", "127.0.0.1", "HTTP version HTTP/9.9 not supported", "505");
        }
        // HTTP/1.0 and 1.1 are still served; a 1.0 request is answered in the server's own version,
        // HTTP/1.1 (RFC 9110 section 6.2 recommends it), and its connection is closed
        assertThat(exchange(port, "POST /ingest HTTP/1.0\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII)))
                .startsWith("HTTP/1.1 202").containsIgnoringCase("connection: close");
        assertThat(gateway.report().get(0).received()).isEqualTo(1);
    }

    @Test
    void oversizedBodyIs413CountedAndLoggedWithTheLimit() throws Exception {
        int port = startHttp("small", ", maxBody: 10");
        try (StderrCapture log = new StderrCapture()) {
            String answer = exchange(port, ("POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(answer).startsWith("HTTP/1.1 413 ");
            assertThat(await(r -> errors("small", "http", r), "too_large", 1)).isEqualTo(1.0);
            assertThat(log.lines("WARN")).singleElement().asString()
                    .contains("pipeline 'small'", "127.0.0.1", "body too large", "maximum 10", "413");
        }
    }

    @Test
    void malformedRequestLogsOneLineWithoutHeaderDump() throws Exception {
        int port = startHttp("junk", "");
        try (StderrCapture log = new StderrCapture()) {
            String answer = exchange(port, ("GARBAGE \u0001\u00ff x\r\nX-Secret-Header: 1\r\nOther: 2\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            assertThat(answer).startsWith("HTTP/1.1 400 ");
            assertThat(await(r -> errors("junk", "http", r), "malformed", 1)).isEqualTo(1.0);
            assertThat(log.lines("WARN")).singleElement().asString().contains("pipeline 'junk'", "malformed HTTP request");
            assertThat(log.lines("X-Secret-Header")).as("no header dump").isEmpty();
            assertThat(log.lines("\tat ")).as("no stack trace").isEmpty();
        }
    }

    /** What the JDK's WebSocket client saw of the server's close. */
    record Closed(int status, String reason) {
    }

    private static java.net.http.WebSocket connect(int port, java.util.concurrent.CompletableFuture<Closed> closed)
            throws Exception {
        return java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(java.net.URI.create("ws://127.0.0.1:" + port + "/ws"), new java.net.http.WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket ws, int status, String reason) {
                        closed.complete(new Closed(status, reason));
                        return null;
                    }

                    @Override
                    public void onError(java.net.http.WebSocket ws, Throwable error) {
                        closed.complete(new Closed(1006, String.valueOf(error)));
                    }
                }).get(10, TimeUnit.SECONDS);
    }

    /** An oversized message sent in fragments (each below the limit) is closed 1009 with the reason. */
    @Test
    void webSocketOversizedFragmentedMessageIsClosed1009WithTheReason() throws Exception {
        int port = start("chat", "websocket", ", maxFrame: 1000");
        var closed = new java.util.concurrent.CompletableFuture<Closed>();
        try (StderrCapture log = new StderrCapture()) {
            java.net.http.WebSocket ws = connect(port, closed);
            ws.sendBinary(java.nio.ByteBuffer.wrap(new byte[600]), false).get(10, TimeUnit.SECONDS);
            ws.sendBinary(java.nio.ByteBuffer.wrap(new byte[600]), true);
            Closed c = closed.get(10, TimeUnit.SECONDS);
            assertThat(c.status()).as("close status (%s)", c).isEqualTo(1009);
            assertThat(c.reason()).contains("1000");
            assertThat(await(r -> errors("chat", "websocket", r), "too_large", 1)).isEqualTo(1.0);
            assertThat(log.lines("WARN")).singleElement().asString().contains("pipeline 'chat'", "1000");
            assertThat(log.lines("\tat ")).as("no stack trace").isEmpty();
        }
    }

    /** A single frame over the limit followed at once by more data is still closed 1009 with the reason. */
    @Test
    void webSocketOversizedFrameFollowedByMoreDataIsClosed1009WithTheReason() throws Exception {
        int port = start("chat2", "websocket", ", maxFrame: 1000");
        var closed = new java.util.concurrent.CompletableFuture<Closed>();
        java.net.http.WebSocket ws = connect(port, closed);
        ws.sendBinary(java.nio.ByteBuffer.wrap(new byte[5000]), true).get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 50 && !closed.isDone(); i++) {
            try {
                ws.sendBinary(java.nio.ByteBuffer.wrap(new byte[500]), true).get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                break;
            }
        }
        Closed c = closed.get(10, TimeUnit.SECONDS);
        assertThat(c.status()).as("close status (%s)", c).isEqualTo(1009);
        assertThat(c.reason()).contains("1000");
        assertThat(await(r -> errors("chat2", "websocket", r), "too_large", 1)).isEqualTo(1.0);
    }

    /**
     * Connection-level garbage on a gRPC port (an HTTP/1.1 request instead of the HTTP/2 preface):
     * closed, counted, one WARN line, and none of grpc-java's java.util.logging trace.
     */
    @Test
    void grpcBadPrefaceIsClosedCountedAndLoggedInOneLine() throws Exception {
        int port = start("rpc", "grpc", "");
        try (StderrCapture log = new StderrCapture()) {
            String answer = exchange(port, "POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(answer).doesNotContain("202");
            assertThat(await(r -> errors("rpc", "grpc", r), "malformed", 1)).isEqualTo(1.0);
            assertThat(log.lines("WARN")).singleElement().asString()
                    .contains("pipeline 'rpc'", "127.0.0.1", "HTTP/2", "POST /ingest HTTP/1.1");
            assertThat(log.lines("Transport failed")).as("grpc-java's JUL trace").isEmpty();
            assertThat(log.lines("\tat ")).as("no stack trace").isEmpty();
        }
    }
}
