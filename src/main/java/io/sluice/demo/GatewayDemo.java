package io.sluice.demo;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.event.EventDispatcher;
import io.sluice.gateway.AdminServer;
import io.sluice.gateway.ConfigException;
import io.sluice.gateway.Gateway;
import io.sluice.gateway.GatewayConfig;
import io.sluice.gateway.PipelineReport;
import io.sluice.gateway.ShutdownHook;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code sluice demo}: a gateway on 127.0.0.1 with four network transports (TCP, UDP, HTTP,
 * WebSocket), each fed by an embedded load generator. Two pipelines are overloaded on purpose: UDP
 * (its consumer takes 200 µs per message while 20,000 messages per second arrive) must drop with
 * drop-newest, and TCP (10,000 messages of 4266 B per second into a consumer pausing 200 µs per
 * message) overwrites its oldest; HTTP and WebSocket use block and lose nothing. A live view
 * refreshes every second (rate, queue fill, drops per pipeline); at the end, or on Ctrl-C
 * (SIGINT or SIGTERM), the gateway drains and a summary shows, per pipeline, what was sent,
 * delivered, dropped or lost in transit, and whether it adds up exactly.
 *
 * <p>The accounting is checked from independent counters: {@code sent} is counted by the load
 * generator's sink, {@code received} where the gateway's source hands messages on, {@code lost}
 * by the UDP source from gaps in the sender's sequence numbers, {@code delivered} at the sink,
 * {@code dropped} and {@code buffered} by the overflow stage. The reliable transports must show
 * {@code sent == received}. UDP datagrams lost after the last one that arrived leave no gap, so for
 * UDP the rest, {@code unseen = sent - received - lost}, is shown and must not be negative (more
 * received or seen lost than was sent would be a counting error).
 *
 * <p>Command-line output is this class's job, so it prints to the given writer.
 */
public final class GatewayDemo {

    /** Gateway pipeline name to the load pipeline that feeds it. */
    static final Map<String, String> FED_BY = Map.of(
            "tcp-telemetry", "load-tcp", "udp-metrics", "load-udp", "http-logs", "load-http", "ws-chat", "load-ws");

    private GatewayDemo() {
    }

    /** How long a SIGINT/SIGTERM waits for the drain and the summary before the JVM exits anyway. */
    static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(240);
    /** The drain gives up when nothing moved for this long. */
    static final Duration STALL = Duration.ofSeconds(10);
    /** The drain waits at most this long in all, even while messages still move. */
    static final Duration DRAIN_MAX = Duration.ofSeconds(120);

    /**
     * What one gateway pipeline did, with what its load generator sent.
     *
     * @param name gateway pipeline name
     * @param policy its overflow policy
     * @param sent messages the load generator's sink wrote to the gateway
     * @param received messages the gateway's source emitted into the pipeline
     * @param lost messages lost in transit that the transport saw: for sequenced UDP, the gaps in
     *     the sender's sequence numbers; 0 for the reliable transports
     * @param sequenced whether the transport may lose messages and counts the gaps (UDP): then
     *     {@link #unseen()} may be positive
     * @param delivered messages the gateway handed to its sink
     * @param dropped messages the overflow stage dropped or overwrote
     * @param discarded messages still buffered when the pipeline was cancelled (shown as cancelled)
     * @param buffered messages still in the overflow buffer when the row was taken (0 after a full drain)
     * @param outcome how the pipeline ended
     */
    public record Row(String name, String policy, long sent, long received, long lost, boolean sequenced,
                      long delivered, long dropped, long discarded, long buffered, String outcome) {

        /**
         * @return messages sent that were neither received nor seen lost: for UDP, datagrams lost
         *     after the last one that arrived (no later sequence number reveals them)
         */
        public long unseen() {
            return sent - received - lost;
        }

        /**
         * Checks the accounting from independent counters: every message received was delivered,
         * dropped, cancelled or is still buffered; on a reliable transport every message sent was
         * received; on UDP, no more were received or seen lost than were sent.
         *
         * @return true when the counters agree
         */
        public boolean addsUp() {
            boolean transit = sequenced ? unseen() >= 0 : sent == received && lost == 0;
            return transit && received == delivered + dropped + discarded + buffered;
        }
    }

    static String gatewayYaml(int tcpPort, int udpPort, int httpPort, int wsPort) {
        return "drainTimeout: 10s\n"
                + "pipelines:\n"
                + "  - name: tcp-telemetry\n"
                + "    source: {type: tcp, host: 127.0.0.1, port: " + tcpPort + ", framing: length-prefixed}\n"
                + "    overflow: {policy: overwrite-oldest, capacity: 1024}\n"
                + "    sink: {type: discard, delay: 200us}\n"
                + "  - name: udp-metrics\n"
                + "    source: {type: udp, host: 127.0.0.1, port: " + udpPort + ", sequenced: true}\n"
                + "    overflow: {policy: drop-newest, capacity: 512}\n"
                + "    sink: {type: discard, delay: 200us}\n"
                + "  - name: http-logs\n"
                + "    source: {type: http, host: 127.0.0.1, port: " + httpPort + ", path: /ingest}\n"
                + "    overflow: {policy: block, capacity: 256}\n"
                + "    sink: {type: discard}\n"
                + "  - name: ws-chat\n"
                + "    source: {type: websocket, host: 127.0.0.1, port: " + wsPort + ", path: /ws}\n"
                + "    overflow: {policy: block, capacity: 256}\n"
                + "    sink: {type: discard, delay: 50us}\n";
    }

    static String loadYaml(Duration duration, int tcpPort, int udpPort, int httpPort, int wsPort) {
        long seconds = Math.max(1, duration.toSeconds());
        return "drainTimeout: 60s\n"
                + "pipelines:\n"
                + load("load-tcp", 10_000, seconds, 4266, "{type: tcp, host: 127.0.0.1, port: " + tcpPort
                        + ", framing: length-prefixed}")
                + load("load-udp", 20_000, seconds, 18, "{type: udp, host: 127.0.0.1, port: " + udpPort
                        + ", sequenced: true}")
                + load("load-http", 500, seconds, 6786, "{type: http, host: 127.0.0.1, port: " + httpPort
                        + ", path: /ingest}")
                + load("load-ws", 5_000, seconds, 18, "{type: websocket, host: 127.0.0.1, port: " + wsPort
                        + ", path: /ws}");
    }

    private static String load(String name, int rate, long seconds, int size, String sink) {
        return "  - name: " + name + "\n"
                + "    source: {type: generator, rate: " + rate + ", count: " + (rate * seconds) + ", size: " + size + "}\n"
                + "    overflow: {policy: block, capacity: 256}\n"
                + "    sink: " + sink + "\n";
    }

    /**
     * Runs the demo.
     *
     * @param duration how long the load generators send
     * @param out where the live view and the summary go
     * @param live redraw the live view in place (ANSI) instead of appending lines
     * @param adminPort admin port for the dashboard, or -1 for none
     * @return the rows of the summary
     */
    public static List<Row> run(Duration duration, PrintWriter out, boolean live, int adminPort) {
        int tcp = freeTcpPort();
        int udp = freeUdpPort();
        int http = freeTcpPort();
        int ws = freeTcpPort();
        GatewayConfig config = parse(gatewayYaml(tcp, udp, http, ws));
        GatewayConfig loadConfig = parse(loadYaml(duration, tcp, udp, http, ws));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EventDispatcher events = new EventDispatcher();
        Gateway gateway = Gateway.start(config, registry, events, OutputStream.nullOutputStream());
        awaitListening(tcp, http, ws);
        Gateway load = Gateway.start(loadConfig, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new EventDispatcher(), OutputStream.nullOutputStream());
        AdminServer admin = adminPort < 0 ? null
                : AdminServer.start("127.0.0.1", adminPort, registry, gateway::report, Duration.ofSeconds(1));
        out.printf("Sluice gateway demo: TCP, UDP, HTTP and WebSocket on 127.0.0.1 for %d s (Ctrl-C stops early)%n",
                duration.toSeconds());
        if (admin != null) {
            out.println("dashboard: " + admin.url() + "/   metrics: " + admin.url() + "/metrics");
        }
        out.println();
        // SIGINT / SIGTERM: the hook wakes this thread, which stops the load, drains the gateway and
        // prints the summary; then the hook ends the JVM with the demo's exit code (0 when every
        // pipeline adds up).
        CountDownLatch stop = new CountDownLatch(1);
        ShutdownHook hook = ShutdownHook.install("sluice-demo-shutdown", stop, SHUTDOWN_WAIT);
        int exitCode = 1;
        Map<String, Long> lastDelivered = new HashMap<>();
        long deadline = System.nanoTime() + duration.toNanos();
        int printed = 0;
        try {
            while (System.nanoTime() < deadline && stop.getCount() > 0) {
                if (stop.await(1, TimeUnit.SECONDS)) {
                    break;
                }
                printed = DemoView.liveView(out, gateway.report(), lastDelivered, live, printed);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Row> rows = List.of();
        try {
            out.println();
            out.println("stopping: draining every pipeline ...");
            out.flush();
            // Stop the load first, let what it sent reach the gateway, then stop and drain the gateway.
            try {
                load.stop(loadConfig.drainTimeout()).block(loadConfig.drainTimeout().plusSeconds(10));
                awaitQuiet(gateway, load);
                gateway.stop(config.drainTimeout()).block(config.drainTimeout().plusSeconds(10));
            } catch (RuntimeException e) {
                out.println("drain incomplete: " + e.getMessage());
            }
            rows = rows(gateway, load);
            DemoView.summary(out, rows);
            if (admin != null) {
                admin.close();
            }
            registry.close();
            exitCode = DemoView.exitCode(rows);
        } finally {
            hook.finish(exitCode);
        }
        return rows;
    }

    /** The rows of the summary, from the gateway's reports, its UDP source's sequence gaps and the load's counts. */
    static List<Row> rows(Gateway gateway, Gateway load) {
        Map<String, Long> lost = new HashMap<>();
        for (String name : FED_BY.keySet()) {
            gateway.transportMetrics(name).filter(tm -> "udp".equals(tm.transport()))
                    .ifPresent(tm -> lost.put(name, tm.lost()));
        }
        return DemoView.rows(concat(gateway.report(), load.report()), lost);
    }

    private static GatewayConfig parse(String yaml) {
        try {
            return GatewayConfig.parse(yaml);
        } catch (ConfigException e) {
            throw new IllegalStateException("demo configuration is invalid: " + e.getMessage(), e);
        }
    }

    /**
     * Waits until the gateway has received what the load sent: everything on the reliable
     * transports; on UDP, until everything was received or seen lost, or nothing more arrives
     * (datagrams lost after the last one leave no gap to wait for). The wait goes on while messages
     * keep arriving (a busy machine drains slowly), until nothing moved for {@link #STALL}, and
     * at most {@link #DRAIN_MAX} in all.
     */
    private static void awaitQuiet(Gateway gateway, Gateway load) {
        Map<String, Long> last = new HashMap<>();
        ProgressWait.await(() -> {
            boolean quiet = true;
            for (Row r : rows(gateway, load)) {
                Long before = last.put(r.name(), r.received());
                quiet &= r.sequenced()
                        ? r.unseen() <= 0 || (before != null && before == r.received())
                        : r.received() >= r.sent();
            }
            return quiet;
        }, () -> gateway.report().stream().mapToLong(p -> p.received() + p.delivered()).sum()
                + load.report().stream().mapToLong(p -> p.delivered()).sum(), STALL, DRAIN_MAX, ProgressWait.SYSTEM);
    }

    private static List<PipelineReport> concat(List<PipelineReport> a, List<PipelineReport> b) {
        List<PipelineReport> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void awaitListening(int... ports) {
        for (int port : ports) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                    break;
                } catch (IOException notYet) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    private static int freeTcpPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freeUdpPort() {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
