package io.sluice.demo;

import io.sluice.gateway.PipelineReport;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What the gateway demo prints: the live view, the summary rows and its exit code. */
final class DemoView {

    private DemoView() {
    }

    /**
     * @param rows the summary
     * @return the demo's exit code: 0 when every pipeline adds up, else 1
     */
    static int exitCode(List<GatewayDemo.Row> rows) {
        return !rows.isEmpty() && rows.stream().allMatch(GatewayDemo.Row::addsUp) ? 0 : 1;
    }

    /**
     * @param reports the gateway's and the load's reports
     * @param lost per gateway pipeline on a sequenced (lossy) transport, the messages it saw lost
     *     in transit; pipelines absent from it are on reliable transports
     * @return one row per gateway pipeline fed by the load
     */
    static List<GatewayDemo.Row> rows(List<PipelineReport> reports, Map<String, Long> lost) {
        Map<String, PipelineReport> byName = new HashMap<>();
        reports.forEach(r -> byName.put(r.name(), r));
        return reports.stream().filter(r -> GatewayDemo.FED_BY.containsKey(r.name())).map(r -> {
            PipelineReport load = byName.get(GatewayDemo.FED_BY.get(r.name()));
            return new GatewayDemo.Row(r.name(), r.policy(), load.delivered(), r.received(), lost.getOrDefault(r.name(), 0L),
                    lost.containsKey(r.name()), r.delivered(), r.dropped(), r.discarded(), r.buffered(), r.outcome());
        }).toList();
    }

    /**
     * Prints (or, when {@code live}, redraws in place over the previous {@code printed} lines) one
     * frame of the live view.
     *
     * @return the number of lines printed
     */
    static int liveView(PrintWriter out, List<PipelineReport> reports, Map<String, Long> last, boolean live,
                                int printed) {
        if (live && printed > 0) {
            out.print("\033[" + printed + "A");
        }
        int lines = 0;
        out.printf("%-15s %-17s %10s %10s %12s %10s%n", "pipeline", "policy", "msg/s", "queue", "dropped", "received");
        lines++;
        for (PipelineReport r : reports) {
            if (!GatewayDemo.FED_BY.containsKey(r.name())) {
                continue;
            }
            long prev = last.getOrDefault(r.name(), 0L);
            last.put(r.name(), r.delivered());
            String fill = r.buffered() + "/" + r.capacity();
            out.printf("%-15s %-17s %,10d %10s %,12d %,10d%s%n", r.name(), r.policy(), r.delivered() - prev, fill,
                    r.dropped(), r.received(), live ? "\033[K" : "");
            lines++;
        }
        if (!live) {
            out.println();
            lines++;
        }
        out.flush();
        return lines;
    }

    static void summary(PrintWriter out, List<GatewayDemo.Row> rows) {
        out.println();
        out.printf("%-15s %-17s %10s %10s %8s %8s %10s %10s %10s %9s  %-8s %s%n", "pipeline", "policy", "sent",
                "received", "lost", "unseen", "delivered", "dropped", "cancelled", "buffered", "adds up", "outcome");
        for (GatewayDemo.Row r : rows) {
            out.printf("%-15s %-17s %,10d %,10d %,8d %,8d %,10d %,10d %,10d %,9d  %-8s %s%n", r.name(), r.policy(),
                    r.sent(), r.received(), r.lost(), r.unseen(), r.delivered(), r.dropped(), r.discarded(),
                    r.buffered(), r.addsUp() ? "yes" : "NO", r.outcome());
        }
        out.println("received = delivered + dropped + cancelled + buffered; sent = received on TCP, HTTP and"
                + " WebSocket; UDP: lost = gaps in the sequence numbers,");
        out.println("unseen = sent - received - lost = datagrams lost after the last one received (no gap shows"
                + " them), never negative");
        out.flush();
    }
}
