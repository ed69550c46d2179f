package io.sluice.bench.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Draws the chart of {@code run-peers.sh}: for every cell, each contestant's median throughput as a
 * share of the cell's peer (1.0 = level with the peer). Input: a TSV of {@code cell<TAB>contestant<TAB>ratio}
 * lines written by {@code peers_bench.py}. Usage: {@code PeersChart IN.tsv OUT.png TITLE}.
 */
public final class PeersChart {

    private PeersChart() {
    }

    /**
     * @param args input TSV, output PNG, chart title
     * @throws IOException when the TSV cannot be read or the PNG written
     */
    public static void main(String[] args) throws IOException {
        Map<String, Map<String, Double>> byContestant = new LinkedHashMap<>();
        List<String> cells = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] f = line.split("\t");
            if (f.length != 3) {
                continue;
            }
            if (!cells.contains(f[0])) {
                cells.add(f[0]);
            }
            byContestant.computeIfAbsent(f[1], k -> new LinkedHashMap<>()).put(f[0], Double.parseDouble(f[2]));
        }
        CategoryChart chart = new CategoryChartBuilder().width(1600).height(800).title(args[2])
                .xAxisTitle("cell").yAxisTitle("throughput / peer's (median)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setXAxisLabelRotation(20);
        chart.getStyler().setAvailableSpaceFill(0.8);
        byContestant.forEach((who, ratios) -> {
            List<Double> ys = new ArrayList<>();
            cells.forEach(c -> ys.add(ratios.getOrDefault(c, 0.0)));
            chart.addSeries(who, cells, ys);
        });
        BitmapEncoder.saveBitmap(chart, args[1], BitmapEncoder.BitmapFormat.PNG);
    }
}
