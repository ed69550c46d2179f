package io.sluice.gateway;

import io.sluice.transport.spi.OptionType;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reading a SnakeYAML node tree while keeping lines: plain values, keys, mappings with a fixed set of
 * keys, and the problems found on the way, each with its line.
 */
final class YamlNodes {

    private final List<ConfigError> errors = new ArrayList<>();

    void error(int line, String message) {
        errors.add(new ConfigError(line, message));
    }

    /** @return the problems so far, in line order (stable within a line) */
    List<ConfigError> errors() {
        List<ConfigError> sorted = new ArrayList<>(errors);
        sorted.sort(Comparator.comparingInt(ConfigError::line));
        return sorted;
    }

    /** The entries of {@code node} by key; unknown and repeated keys are reported. */
    Map<String, NodeTuple> entries(MappingNode node, Set<String> allowed, String what) {
        Map<String, NodeTuple> m = new LinkedHashMap<>();
        for (NodeTuple t : node.getValue()) {
            String key = key(t);
            if (key == null) {
                continue;
            }
            if (!allowed.contains(key)) {
                error(line(t.getKeyNode()), what + ": unknown key '" + key + "' (known: "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")");
            } else if (m.put(key, t) != null) {
                error(line(t.getKeyNode()), what + ": '" + key + "' is given twice");
            }
        }
        return m;
    }

    /** @return the key's name, or null (reported) when the key is not a plain scalar */
    String key(NodeTuple t) {
        if (t.getKeyNode() instanceof ScalarNode s) {
            return s.getValue();
        }
        error(line(t.getKeyNode()), "keys must be plain names");
        return null;
    }

    /** Converts a node to a value of {@code type}, or records an error and returns null. */
    Object value(Node node, OptionType type, String what) {
        try {
            return type.convert(plain(node));
        } catch (IllegalArgumentException e) {
            error(line(node), what + " " + e.getMessage());
            return null;
        }
    }

    /** @return the first entry with {@code key}, or null; no problems are reported */
    static NodeTuple find(MappingNode node, String key) {
        for (NodeTuple t : node.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode s && key.equals(s.getValue())) {
                return t;
            }
        }
        return null;
    }

    /** @return the node as plain Java values: text, Integer or BigInteger, Boolean, Double, List, Map */
    static Object plain(Node node) {
        if (node instanceof ScalarNode scalar) {
            return scalar(scalar);
        }
        if (node instanceof SequenceNode seq) {
            List<Object> l = new ArrayList<>();
            for (Node n : seq.getValue()) {
                l.add(plain(n));
            }
            return l;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        if (node instanceof MappingNode map) {
            for (NodeTuple t : map.getValue()) {
                m.put(String.valueOf(plain(t.getKeyNode())), plain(t.getValueNode()));
            }
        }
        return m;
    }

    /** A scalar as YAML resolved it: quoted values stay text, plain ones may be int, bool, null or float. */
    private static Object scalar(ScalarNode s) {
        Tag tag = s.getTag();
        String v = s.getValue();
        if (Tag.INT.equals(tag)) {
            try {
                BigInteger big = new BigInteger(v.replace("_", ""));
                return big.bitLength() < 32 ? (Object) big.intValue() : big;
            } catch (NumberFormatException e) {
                return v;
            }
        }
        if (Tag.BOOL.equals(tag)) {
            return Set.of("true", "yes", "on").contains(v.toLowerCase(Locale.ROOT));
        }
        if (Tag.NULL.equals(tag)) {
            return null;
        }
        if (Tag.FLOAT.equals(tag)) {
            return Double.valueOf(v);
        }
        return v;
    }

    static int line(Node node) {
        return node == null ? 0 : node.getStartMark().getLine() + 1;
    }
}
