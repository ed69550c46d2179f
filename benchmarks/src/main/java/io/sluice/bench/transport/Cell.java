package io.sluice.bench.transport;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The measured iterations of one transport x size x sequential/parallel cell. */
final class Cell {
    final Transport transport;
    final int sizeIndex;
    final boolean parallel;
    final List<Iteration> iterations = new ArrayList<>();
    String failure;

    Cell(Transport transport, int sizeIndex, boolean parallel) {
        this.transport = transport;
        this.sizeIndex = sizeIndex;
        this.parallel = parallel;
    }

    /** One measured iteration, timed at the receiver. */
    record Iteration(long sent, long received, long firstNanos, long lastNanos) {
        double nsPerMessage() {
            return received < 2 ? Double.NaN : (double) (lastNanos - firstNanos) / (received - 1);
        }

        double lossPercent() {
            return sent == 0 ? 0 : 100.0 * (sent - received) / sent;
        }
    }

    int size() {
        return Talk.SIZES[sizeIndex];
    }

    /**
     * @return true when the cell ran and measured something: no exception, at least one iteration,
     *     every iteration timed (at least two messages received), and, for transports that cannot
     *     lose messages (all but UDP), every message sent was received
     */
    boolean ok() {
        return failure == null && !iterations.isEmpty() && problem() == null;
    }

    /** @return why a completed cell is not a valid measurement, or null */
    String problem() {
        for (Iteration it : iterations) {
            if (it.received() < 2) {
                return "iteration received " + it.received() + " of " + it.sent() + " messages: nothing to time";
            }
            if (!transport.lossy() && it.received() != it.sent()) {
                return "iteration received " + it.received() + " of " + it.sent() + " messages over a lossless transport";
            }
        }
        return null;
    }

    private double[] sorted() {
        return iterations.stream().mapToDouble(Iteration::nsPerMessage).filter(d -> !Double.isNaN(d)).sorted().toArray();
    }

    /** @return median ns/message over the iterations */
    double median() {
        double[] s = sorted();
        if (s.length == 0) {
            return Double.NaN;
        }
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** @return (max - min) / median, in percent */
    double spreadPercent() {
        double[] s = sorted();
        return s.length == 0 ? Double.NaN : 100.0 * (s[s.length - 1] - s[0]) / median();
    }

    /** @return mean loss over the iterations, in percent */
    double lossPercent() {
        return iterations.stream().mapToDouble(Iteration::lossPercent).average().orElse(Double.NaN);
    }

    double[] values() {
        return iterations.stream().mapToDouble(Iteration::nsPerMessage).toArray();
    }

    @Override
    public String toString() {
        return transport.label + " " + size() + " B " + (parallel ? "parallel" : "sequential") + ": "
                + (ok() ? String.format("median %.0f ns/msg, spread %.0f%%, loss %.2f%%, iterations %s",
                median(), spreadPercent(), lossPercent(), Arrays.toString(Arrays.stream(values())
                        .mapToLong(Math::round).toArray()))
                : "FAILED " + (failure != null ? failure : problem() != null ? problem() : "no iteration"));
    }
}
