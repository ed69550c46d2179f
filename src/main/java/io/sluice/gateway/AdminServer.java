package io.sluice.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.core.instrument.Counter;
import io.sluice.health.HealthState;
import io.sluice.transport.auth.ServerSecurity;
import io.sluice.transport.internal.RateLimitedLog;
import io.sluice.transport.tls.TlsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The gateway's admin HTTP endpoint (reactor-netty):
 * <ul>
 *   <li>{@code GET /metrics}: every Micrometer meter in Prometheus text format;</li>
 *   <li>{@code GET /}: a dashboard page (plain HTML and JavaScript, no build step) with live charts
 *       of rate, queue fill and drops per pipeline (legend with the pipeline names, time axis,
 *       units); the page carries the snapshot current when it is served, so its first paint shows
 *       the numbers before the first server-sent event;</li>
 *   <li>{@code GET /events}: server-sent events, one JSON snapshot of every pipeline's
 *       {@link PipelineReport} per interval, which the dashboard draws;</li>
 *   <li>with a {@link HealthState}: {@code GET /health/live} (200 while the process serves) and
 *       {@code GET /health/ready} (200 when every pipeline runs, 503 while starting and from the
 *       moment a stop begins), each with a JSON body of per-pipeline states.</li>
 * </ul>
 * With {@link TlsOptions} (YAML {@code admin: {tls: {cert, key, clientCa}}}) every one of these is
 * served over https only, through the same {@link ServerSecurity} the sources use (TLS 1.3/1.2,
 * certificate rotation, SIGHUP); a failed handshake is counted in the registry as
 * {@code sluice_admin_errors_total{reason="tls"}} and logged at most once a second.
 */
public final class AdminServer implements AutoCloseable {

    private static final JsonFactory JSON = new JsonFactory();

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    private final DisposableServer server;
    private final ServerSecurity security;

    private AdminServer(DisposableServer server, ServerSecurity security) {
        this.server = server;
        this.security = security;
    }

    /**
     * Binds the admin endpoint.
     *
     * @param host bind address
     * @param port port, 0 for an ephemeral one
     * @param registry meters served at /metrics
     * @param reports snapshot of the pipelines, polled for /events
     * @param interval time between two server-sent events
     * @return the bound server
     */
    public static AdminServer start(String host, int port, PrometheusMeterRegistry registry,
                                    Supplier<List<PipelineReport>> reports, Duration interval) {
        return start(host, port, registry, reports, interval, null);
    }

    /**
     * Binds the admin endpoint, with the health endpoints when {@code health} is given.
     *
     * @param host bind address
     * @param port port, 0 for an ephemeral one
     * @param registry meters served at /metrics
     * @param reports snapshot of the pipelines, polled for /events
     * @param interval time between two server-sent events
     * @param health answers {@code /health/live} and {@code /health/ready}; null for none (404)
     * @return the bound server
     */
    public static AdminServer start(String host, int port, PrometheusMeterRegistry registry,
                                    Supplier<List<PipelineReport>> reports, Duration interval, HealthState health) {
        return start(host, port, registry, reports, interval, health, null);
    }

    /**
     * Binds the admin endpoint, over TLS when {@code tls} is given.
     *
     * @param host bind address
     * @param port port, 0 for an ephemeral one
     * @param registry meters served at /metrics
     * @param reports snapshot of the pipelines, polled for /events
     * @param interval time between two server-sent events
     * @param health answers {@code /health/live} and {@code /health/ready}; null for none (404)
     * @param tls server TLS settings (role source), or null for plain http
     * @return the bound server
     * @throws IllegalArgumentException naming the file when a certificate or key file is unusable
     */
    public static AdminServer start(String host, int port, PrometheusMeterRegistry registry,
                                    Supplier<List<PipelineReport>> reports, Duration interval, HealthState health,
                                    TlsOptions tls) {
        Objects.requireNonNull(registry, "registry");
        String page = dashboardPage();
        Counter tlsErrors = registry.counter("sluice_admin_errors", "reason", "tls");
        RateLimitedLog refusedLog = new RateLimitedLog(LOG, 1000);
        ServerSecurity security = ServerSecurity.open(tls, null, "admin server", (peer, reason, cause) -> {
            tlsErrors.increment();
            refusedLog.warn("admin server refused " + peer + ": " + reason);
        });
        try {
            return new AdminServer(bind(host, port, registry, reports, interval, health, page, security), security);
        } catch (RuntimeException e) {
            security.close();
            throw e;
        }
    }

    private static DisposableServer bind(String host, int port, PrometheusMeterRegistry registry,
            Supplier<List<PipelineReport>> reports, Duration interval, HealthState health, String page,
            ServerSecurity security) {
        return security.secure(HttpServer.create())
                .host(host)
                .port(port)
                .route(r -> r
                        .get("/health/live", (req, res) -> health(res, health == null ? null : health.live()))
                        .get("/health/ready", (req, res) -> health(res, health == null ? null : health.ready()))
                        .get("/metrics", (req, res) -> res
                                .header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                                .sendString(Mono.fromCallable(() -> scrape(registry))))
                        .get("/events", (req, res) -> res.sse()
                                .send(Flux.interval(Duration.ZERO, interval)
                                        .map(i -> res.alloc().buffer().writeBytes(("data: " + toJson(reports.get())
                                                + "\n\n").getBytes(StandardCharsets.UTF_8))), b -> true))
                        .get("/", (req, res) -> res
                                .header("Content-Type", "text/html; charset=utf-8")
                                .sendString(Mono.fromCallable(() -> withSnapshot(page, reports.get())))))
                .bindNow(Duration.ofSeconds(10));
    }

    /** @return the bound address */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.address();
    }

    /** @return the base URL, e.g. {@code http://127.0.0.1:9090}, {@code https://...} with TLS */
    public String url() {
        return (security.tls() == null ? "http://" : "https://") + address().getHostString() + ":"
                + address().getPort();
    }

    @Override
    public void close() {
        try {
            server.disposeNow(Duration.ofSeconds(5));
        } finally {
            security.close();
        }
    }

    private static org.reactivestreams.Publisher<Void> health(reactor.netty.http.server.HttpServerResponse res,
                                                              HealthState.Response answer) {
        if (answer == null) {
            return res.status(404).send();
        }
        return res.status(answer.status())
                .header("Content-Type", "application/json")
                .header("Cache-Control", "no-store")
                .sendString(Mono.just(answer.json()));
    }

    /** Placeholder in dashboard.html replaced by the snapshot current when the page is served. */
    static final String SNAPSHOT_MARK = "/*SLUICE_SNAPSHOT*/null";

    /** @return the page with {@code reports} embedded as its initial snapshot ({@code <} escaped for a script) */
    static String withSnapshot(String page, List<PipelineReport> reports) {
        return page.replace(SNAPSHOT_MARK, toJson(reports).replace("<", "\\u003c"));
    }

    /**
     * One scrape at a time: the pipelines' counters are read as one reading per scrape (see
     * {@code CounterSnapshot}), which two interleaved scrapes would mix.
     */
    private static String scrape(PrometheusMeterRegistry registry) {
        synchronized (registry) {
            return registry.scrape();
        }
    }

    static String toJson(List<PipelineReport> reports) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeNumberField("time", System.currentTimeMillis());
            g.writeArrayFieldStart("pipelines");
            for (PipelineReport r : reports) {
                g.writeStartObject();
                g.writeStringField("name", r.name());
                g.writeStringField("policy", r.policy());
                g.writeNumberField("capacity", r.capacity());
                g.writeNumberField("received", r.received());
                g.writeNumberField("delivered", r.delivered());
                g.writeNumberField("dropped", r.dropped());
                g.writeNumberField("filtered", r.filtered());
                g.writeNumberField("discarded", r.discarded());
                g.writeNumberField("buffered", r.buffered());
                g.writeNumberField("diskBytes", r.diskBytes());
                g.writeNumberField("diskMaxBytes", r.diskMaxBytes());
                g.writeNumberField("deadLettered", r.deadLettered());
                g.writeNumberField("sinkRetries", r.sinkRetries());
                g.writeStringField("outcome", r.outcome());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static String dashboardPage() {
        try (InputStream in = AdminServer.class.getResourceAsStream("dashboard.html")) {
            if (in == null) {
                throw new IllegalStateException("dashboard.html missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
