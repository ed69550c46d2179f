package io.sluice.gateway;

import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.OptionSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * Validates the options of one endpoint or step mapping against its schema ({@link OptionSpec}s):
 * unknown options, values of the wrong kind or outside their allowed set, fields of groups, missing
 * required options, each reported with its line; defaults applied.
 */
final class OptionsReader {

    /**
     * @param options the valid values with defaults applied (partial when {@code ok} is false)
     * @param ok whether the mapping had no problem
     */
    record Result(EndpointOptions options, boolean ok) {
    }

    private final YamlNodes yaml;

    OptionsReader(YamlNodes yaml) {
        this.yaml = yaml;
    }

    /**
     * @param node the mapping, with its {@code type} key
     * @param type the type's name
     * @param specs the options accepted here
     * @param elsewhere options of the type not accepted here, with where they apply (for the message)
     * @param what how messages name the mapping, e.g. {@code pipeline 'a' source tcp}
     * @return the options
     */
    Result read(MappingNode node, String type, List<OptionSpec> specs, Map<String, String> elsewhere, String what) {
        Map<String, OptionSpec> byName = new LinkedHashMap<>();
        specs.forEach(s -> byName.put(s.name(), s));
        Map<String, Object> values = new LinkedHashMap<>();
        boolean ok = true;
        for (NodeTuple t : node.getValue()) {
            String key = yaml.key(t);
            if (key == null || "type".equals(key)) {
                ok &= key != null;
                continue;
            }
            OptionSpec spec = byName.get(key);
            if (spec == null) {
                String hint = elsewhere.containsKey(key) ? " (it " + elsewhere.get(key) + ")"
                        : byName.isEmpty() ? " (it takes none)" : " (known: " + String.join(", ", byName.keySet()) + ")";
                yaml.error(YamlNodes.line(t.getKeyNode()), what + ": unknown option '" + key + "'" + hint);
                ok = false;
            } else if (values.containsKey(key)) {
                yaml.error(YamlNodes.line(t.getKeyNode()), what + ": '" + key + "' is given twice");
                ok = false;
            } else {
                try {
                    values.put(key, spec.convert(YamlNodes.plain(t.getValueNode())));
                } catch (IllegalArgumentException e) {
                    report(t, e.getMessage(), what + " " + key);
                    ok = false;
                }
            }
        }
        for (OptionSpec s : specs) {
            if (s.required() && !values.containsKey(s.name()) && YamlNodes.find(node, s.name()) == null) {
                yaml.error(YamlNodes.line(node), what + " needs '" + s.name() + "'");
                ok = false;
            } else if (!values.containsKey(s.name()) && s.defaultValue() != null
                    && YamlNodes.find(node, s.name()) == null) {
                values.put(s.name(), s.defaultValue());
            }
        }
        return new Result(new EndpointOptions(type, values), ok);
    }

    /**
     * Reports a conversion failure; a group's reasons come one per line as {@code group.field: reason},
     * each reported at its field's line, or at the group's key when the field is missing.
     */
    private void report(NodeTuple option, String reasons, String what) {
        Node value = option.getValueNode();
        if (!(value instanceof MappingNode group)) {
            yaml.error(YamlNodes.line(value), what + " " + reasons);
            return;
        }
        for (String reason : reasons.split("\n")) {
            int colon = reason.indexOf(':');
            int dot = reason.indexOf('.');
            if (dot < 0 || dot > colon) {
                yaml.error(YamlNodes.line(value), what + " " + reason);
                continue;
            }
            NodeTuple field = YamlNodes.find(group, reason.substring(dot + 1, colon));
            yaml.error(YamlNodes.line(field != null ? field.getKeyNode() : option.getKeyNode()),
                    what + "." + reason.substring(dot + 1));
        }
    }
}
