package io.sluice.transport.spi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One option of an endpoint type: its name, kind, default, allowed values, whether it is required and
 * on which side (source, sink or both) it applies. The gateway validates YAML against these, reports
 * violations with their line, applies defaults, and the README's transport table is derived from them.
 *
 * @param name option name as written in YAML
 * @param type value kind
 * @param required whether it must be given
 * @param defaultValue value when absent (already converted, e.g. an {@code Integer}), or null for none
 * @param allowed for text options with a fixed set of values, the values; else empty
 * @param roles the sides on which the option is accepted
 * @param description one line for the README and {@code sluice transports}
 * @param fields for {@link OptionType#GROUP}, the group's own options; else empty
 */
public record OptionSpec(String name, OptionType type, boolean required, Object defaultValue, List<String> allowed,
        Set<Role> roles, String description, List<OptionSpec> fields) {

    /** Validates the record's parts. */
    public OptionSpec {
        allowed = List.copyOf(allowed);
        roles = Set.copyOf(roles.isEmpty() ? EnumSet.allOf(Role.class) : roles);
        fields = List.copyOf(fields);
        if (required && defaultValue != null) {
            throw new IllegalArgumentException(name + ": a required option has no default");
        }
    }

    /**
     * @param name option name
     * @param type value kind
     * @param description one line
     * @return a required option for both sides
     */
    public static OptionSpec required(String name, OptionType type, String description) {
        return new OptionSpec(name, type, true, null, List.of(), Set.of(), description, List.of());
    }

    /**
     * @param name option name
     * @param type value kind
     * @param defaultValue converted default, or null for none
     * @param description one line
     * @return an optional option for both sides
     */
    public static OptionSpec optional(String name, OptionType type, Object defaultValue, String description) {
        return new OptionSpec(name, type, false, defaultValue, List.of(), Set.of(), description, List.of());
    }

    /**
     * The usual {@code host} option of a network endpoint: bind address of a source, address a sink
     * connects to.
     *
     * @return an optional text option, default {@code 127.0.0.1}
     */
    public static OptionSpec host() {
        return optional("host", OptionType.STRING, "127.0.0.1",
                "address a source binds (0.0.0.0 for every interface) or a sink connects to");
    }

    /**
     * The usual {@code port} option of a network endpoint.
     *
     * @return a required port option (0 lets a source take any free port)
     */
    public static OptionSpec port() {
        return required("port", OptionType.PORT, "port a source binds (0: any free one) or a sink connects to");
    }

    /**
     * The usual {@code maxConnections} option of a server source.
     *
     * @param defaultValue connections served at once by default
     * @return a source-only option
     */
    public static OptionSpec maxConnections(int defaultValue) {
        return optional("maxConnections", OptionType.POSITIVE_INT, defaultValue,
                "connections served at once; more are refused").sourceOnly();
    }

    /**
     * The usual {@code idleTimeout} option of a server source.
     *
     * @param defaultValue the transport's default ({@code 0s}: never)
     * @return a source-only duration option
     */
    public static OptionSpec idleTimeout(java.time.Duration defaultValue) {
        return optional("idleTimeout", OptionType.DURATION, defaultValue,
                "close a connection from which nothing was read for this long (0s: never)").sourceOnly();
    }

    /**
     * @param name option name
     * @param defaultValue the default, one of {@code values}
     * @param description one line
     * @param values allowed values
     * @return a text option with a fixed set of values
     */
    public static OptionSpec choice(String name, String defaultValue, String description, String... values) {
        return new OptionSpec(name, OptionType.STRING, false, defaultValue, Arrays.asList(values), Set.of(),
                description, List.of());
    }

    /**
     * @param name option name
     * @param description one line
     * @param fields the group's options
     * @return an optional mapping with options of its own
     */
    public static OptionSpec group(String name, String description, OptionSpec... fields) {
        return new OptionSpec(name, OptionType.GROUP, false, null, List.of(), Set.of(), description,
                Arrays.asList(fields));
    }

    /** @return this option, accepted on sources only */
    public OptionSpec sourceOnly() {
        return new OptionSpec(name, type, required, defaultValue, allowed, Set.of(Role.SOURCE), description, fields);
    }

    /** @return this option, accepted on sinks only */
    public OptionSpec sinkOnly() {
        return new OptionSpec(name, type, required, defaultValue, allowed, Set.of(Role.SINK), description, fields);
    }

    /**
     * @param role a side
     * @return whether the option is accepted on that side
     */
    public boolean appliesTo(Role role) {
        return roles.contains(role);
    }

    /**
     * Converts and checks a YAML value.
     *
     * @param raw the value as YAML gave it
     * @return the converted value ({@link EndpointOptions} for a group)
     * @throws IllegalArgumentException with a plain reason; for a group, every problem, each as
     *     {@code field: reason}, one per line
     */
    public Object convert(Object raw) {
        if (type != OptionType.GROUP) {
            Object v = type.convert(raw);
            if (!allowed.isEmpty() && !allowed.contains(v)) {
                throw new IllegalArgumentException("must be one of " + String.join(", ", allowed) + ", was "
                        + OptionType.describe(raw));
            }
            return v;
        }
        if (!(raw instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("must be a mapping, was " + OptionType.describe(raw));
        }
        List<String> problems = new ArrayList<>();
        Map<String, OptionSpec> byName = new LinkedHashMap<>();
        fields.forEach(f -> byName.put(f.name(), f));
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            OptionSpec f = byName.get(String.valueOf(e.getKey()));
            if (f == null) {
                problems.add(name + "." + e.getKey() + ": unknown option (known: " + String.join(", ", byName.keySet())
                        + ")");
                continue;
            }
            try {
                values.put(f.name(), f.convert(e.getValue()));
            } catch (IllegalArgumentException ex) {
                problems.add(name + "." + f.name() + ": " + ex.getMessage());
            }
        }
        for (OptionSpec f : fields) {
            if (f.required() && !values.containsKey(f.name())) {
                problems.add(name + "." + f.name() + ": missing");
            } else if (!values.containsKey(f.name()) && f.defaultValue() != null) {
                values.put(f.name(), f.defaultValue());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        return new EndpointOptions(name, values);
    }
}
