package io.sluice.gateway;

import io.sluice.overflow.OverflowPolicy;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a configuration may name besides transports (those come from the
 * {@link io.sluice.transport.spi.TransportRegistry}): the overflow policies and the step types with
 * their options.
 */
final class Catalog {

    /**
     * A processing step type.
     *
     * @param name type name
     * @param options accepted options
     */
    record StepType(String name, List<OptionSpec> options) {
    }

    /**
     * Overflow policy names: the in-memory ones as {@link OverflowPolicy.Kind#label()} gives them, then
     * the disk-backed {@code persistent}.
     */
    static final List<String> POLICIES = java.util.stream.Stream.concat(Arrays.stream(OverflowPolicy.Kind.values())
            .map(OverflowPolicy.Kind::label), java.util.stream.Stream.of(PersistentStage.POLICY)).toList();

    static final Map<String, StepType> STEPS = index(
            step("filter-header", OptionSpec.required("name", OptionType.STRING, "header that must be present"),
                    OptionSpec.optional("equals", OptionType.STRING, null, "value it must have (default: any)")),
            step("set-header", OptionSpec.required("name", OptionType.STRING, "header name"),
                    OptionSpec.required("value", OptionType.STRING, "header value")),
            step("rename-header", OptionSpec.required("from", OptionType.STRING, "old name"),
                    OptionSpec.required("to", OptionType.STRING, "new name")),
            step("sample", OptionSpec.required("every", OptionType.POSITIVE_INT, "keep one message in this many")),
            step("delay", OptionSpec.required("per", OptionType.DURATION, "simulated processing cost per message"),
                    OptionSpec.optional("every", OptionType.POSITIVE_INT, 1,
                            "pause once per this many messages (per: 1ms, every: 50 is about 20 us a message)")),
            step("stats", OptionSpec.optional("value", OptionType.STRING, null, "numeric header to measure (default: size)"),
                    OptionSpec.optional("by", OptionType.STRING, null, "header to group by")),
            step("parse-json", OptionSpec.required("fields", OptionType.STRING_LIST, "top-level fields copied to headers"),
                    OptionSpec.choice("onError", "drop", "what a payload that is not a JSON object does", "drop", "fail")));

    private Catalog() {
    }

    /**
     * @param label a policy name as written in YAML
     * @return the policy kind, if the name is known
     */
    static Optional<OverflowPolicy.Kind> policy(String label) {
        return Arrays.stream(OverflowPolicy.Kind.values()).filter(k -> k.label().equals(label)).findFirst();
    }

    private static StepType step(String name, OptionSpec... options) {
        return new StepType(name, List.of(options));
    }

    private static Map<String, StepType> index(StepType... types) {
        Map<String, StepType> m = new LinkedHashMap<>();
        for (StepType t : types) {
            m.put(t.name(), t);
        }
        return m;
    }
}
