package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.event.EventDispatcher;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the live dashboard in headless Chromium and checks that the numbers move. Tagged
 * {@code browser}: it runs in the {@code browser} Maven profile, which is active when
 * {@code /usr/bin/chromium} exists ({@code .ci/run} installs Debian's chromium package). The
 * screenshot is kept as {@code target/dashboard.png}.
 */
@Tag("browser")
class DashboardBrowserTest {


    @TempDir
    Path tmp;

    @Test
    void dashboardShowsLiveNumbers() throws Exception {
        String yaml = "pipelines:\n"
                + "  - name: live\n"
                + "    source: {type: generator, count: 1000000, size: 8, interval: 2ms}\n"
                + "    overflow: {policy: overwrite-oldest, capacity: 64}\n"
                + "    sink: {type: file, path: '" + tmp.resolve("out") + "'}\n"
                + "  - name: finished\n"
                + "    source: {type: generator, count: 321, size: 4}\n"
                + "    sink: {type: discard}\n"
                // a backlog on disk: 400 records written at once, delivered one per 200 ms
                + "  - name: durable\n"
                + "    source: {type: generator, count: 400, size: 1000}\n"
                + "    overflow: {policy: persistent, path: '" + tmp.resolve("log") + "', maxBytes: 256MiB}\n"
                + "    steps:\n      - {type: delay, per: 200ms}\n"
                + "    sink: {type: discard}\n";
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), registry, new EventDispatcher(), new ByteArrayOutputStream());
        try (AdminServer admin = AdminServer.start("127.0.0.1", 0, registry, g::report, Duration.ofMillis(250));
             HeadlessChromium browser = openAfter(g, admin)) {
            // first paint: the snapshot served with the page, before any server-sent event
            assertThat(awaitDefined(browser, "document.body && document.body.dataset.firstPaint"))
                    .contains("finished=321").containsPattern("live=\\d+");
            // a legend naming each pipeline under every chart, units and a time axis
            for (String chart : new String[] {"rate", "fill", "drops"}) {
                assertThat(browser.evaluate("document.getElementById('legend-" + chart + "').textContent"))
                        .contains("live").contains("finished");
            }
            assertThat(browser.evaluate("Array.from(document.querySelectorAll('.axis')).map(a => a.textContent).join('|')"))
                    .contains("msg/s").contains("%").contains("drops/s").contains("seconds before now");
            int firstUpdates = awaitUpdates(browser, 2);
            long r1 = Long.parseLong(browser.evaluate(RECEIVED_JS));
            int laterUpdates = awaitUpdates(browser, firstUpdates + 3);
            long r2 = Long.parseLong(browser.evaluate(RECEIVED_JS));
            assertThat(laterUpdates).isGreaterThan(firstUpdates);
            assertThat(r1).isPositive();
            assertThat(r2).isGreaterThan(r1);
            assertThat(browser.evaluate("document.getElementById('status').textContent")).startsWith("live");
            // issue 14: the persistent pipeline's backlog on disk, in messages and bytes
            assertThat(browser.evaluate("document.querySelector('tr[data-pipeline=durable]').children[8].textContent"))
                    .matches("[1-9]\\d* msgs, [0-9.]+ (KiB|MiB) on disk");
            assertThat(browser.evaluate("document.querySelector('tr[data-pipeline=live]').children[8].textContent"))
                    .matches("\\d+ msgs");

            Path shot = Path.of("target", "dashboard.png").toAbsolutePath();
            Files.deleteIfExists(shot);
            browser.screenshot(shot);
            assertThat(Files.size(shot)).isGreaterThan(10_000);
        } finally {
            g.stop(Duration.ofSeconds(5)).onErrorResume(e -> reactor.core.publisher.Mono.empty())
                    .block(Duration.ofSeconds(10));
        }
    }

    /** Opens the page once the finite pipeline has finished, so its count in the first paint is known. */
    private HeadlessChromium openAfter(Gateway g, AdminServer admin) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (g.report().get(1).running() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(g.report().get(1).received()).isEqualTo(321);
        return HeadlessChromium.open(admin.url() + "/", Files.createTempDirectory(tmp, "chrome"));
    }

    private static final String RECEIVED_JS =
            "document.querySelector('tr[data-pipeline=live]').children[3].textContent";

    /** Polls {@code js} (bounded: 30 s) until the page has loaded far enough to give a value. */
    private static String awaitDefined(HeadlessChromium browser, String js) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String v = browser.evaluate(js);
        while ((v == null || v.isEmpty() || v.equals("undefined") || v.equals("null")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            v = browser.evaluate(js);
        }
        return v;
    }

    /** Polls the page's update counter (bounded: 60 s) until it reaches {@code atLeast}. */
    private static int awaitUpdates(HeadlessChromium browser, int atLeast) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int n = 0;
        while (System.nanoTime() < deadline) {
            String v = browser.evaluate("(document.body && document.body.dataset.updates) || 0");
            n = Integer.parseInt(v);
            if (n >= atLeast) {
                return n;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("dashboard stuck at " + n + " updates, wanted " + atLeast);
    }
}
