package io.sluice.cli;

import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.Role;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renders endpoint types and their option schemas as a Markdown table: the README's transport table
 * is this output for the built-in providers (a test keeps the two equal), and {@code sluice transports}
 * prints it for whatever providers are on the class path.
 */
public final class TransportTable {

    private TransportTable() {
    }

    /**
     * @param types the endpoint types, in the order to list them
     * @return the table, one row per type and one per option, ending with a newline
     */
    public static String markdown(Collection<EndpointType> types) {
        StringBuilder sb = new StringBuilder();
        sb.append("| type | option | on | value | default | description |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (EndpointType t : types) {
            sb.append("| **`").append(t.name()).append("`** | | ").append(sides(t)).append(" | | | ")
                    .append(escape(t.description())).append(" |\n");
            for (OptionSpec o : t.options()) {
                row(sb, t, o, o.name());
                for (OptionSpec f : o.fields()) {
                    row(sb, t, f, o.name() + "." + f.name());
                }
            }
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, EndpointType t, OptionSpec o, String name) {
        sb.append("| | `").append(name).append("` | ").append(on(t, o)).append(" | ").append(value(o))
                .append(o.defaultValue() == null ? " | | " : " | `" + text(o.defaultValue()) + "` | ")
                .append(escape(o.description())).append(" |\n");
    }

    private static String sides(EndpointType t) {
        return t.offersSource() && t.offersSink() ? "source, sink" : t.offersSource() ? "source" : "sink";
    }

    /** The sides of the type the option applies to. */
    private static String on(EndpointType t, OptionSpec o) {
        boolean source = t.offersSource() && o.appliesTo(Role.SOURCE);
        boolean sink = t.offersSink() && o.appliesTo(Role.SINK);
        return source && sink ? "both" : source ? "source" : "sink";
    }

    private static String value(OptionSpec o) {
        String kind = o.allowed().isEmpty() ? switch (o.type()) {
            case STRING -> "text";
            case PORT -> "port";
            case POSITIVE_INT -> "integer >= 1";
            case NON_NEGATIVE_INT -> "integer >= 0";
            case INT -> "integer";
            case DURATION -> "duration";
            case SIZE -> "size";
            case BOOLEAN -> "boolean";
            case STRING_LIST -> "list of text";
            case STRING_MAP -> "mapping";
            case GROUP -> "group";
        } : o.allowed().stream().map(v -> "`" + v + "`").collect(Collectors.joining(" / "));
        return o.required() ? kind + ", **required**" : kind;
    }

    private static String text(Object v) {
        if (v instanceof Duration d) {
            return duration(d);
        }
        if (v instanceof Long bytes && bytes > 0 && bytes % 1024 == 0) {
            return bytes % (1 << 20) == 0 ? bytes / (1 << 20) + "MiB" : bytes / 1024 + "KiB";
        }
        if (v instanceof List<?> l) {
            return l.stream().map(x -> "'" + x + "'").collect(Collectors.joining(", ", "[", "]"));
        }
        if (v instanceof Map<?, ?> m) {
            return m.toString();
        }
        return String.valueOf(v);
    }

    private static String duration(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        long ms = d.toMillis();
        if (ms == 0) {
            return d.toNanos() / 1000 + "us";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    private static String escape(String s) {
        return s == null ? "" : s.replace("|", "\\|");
    }
}
