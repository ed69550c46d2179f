package io.sluice.gateway;

import java.io.StringReader;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads the YAML node tree (SnakeYAML, safe mode) so every value keeps its line, validates it
 * against the {@link Catalog} and collects all errors before failing.
 */
final class ConfigReader {

    private static final Set<String> TOP = Set.of("admin", "drainTimeout", "pipelines");
    private static final Set<String> PIPELINE = Set.of("name", "source", "overflow", "steps", "sink");

    private final List<ConfigError> errors = new ArrayList<>();

    GatewayConfig read(String yaml) throws ConfigException {
        Node root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            org.yaml.snakeyaml.error.Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            int line = mark == null ? 0 : mark.getLine() + 1;
            String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
            throw new ConfigException(List.of(new ConfigError(line, "not valid YAML: " + problem)));
        } catch (org.yaml.snakeyaml.reader.ReaderException e) {
            // no mark, but the position of the offending character gives its line
            throw new ConfigException(List.of(new ConfigError(lineOf(yaml, e.getPosition()),
                    "not valid YAML: " + e.getMessage())));
        } catch (YAMLException e) {
            throw new ConfigException(List.of(new ConfigError(0, "not valid YAML: " + e.getMessage())));
        }
        if (root == null) {
            throw new ConfigException(List.of(new ConfigError(0,
                    "the file is empty: it must be a mapping with a 'pipelines' list")));
        }
        if (!(root instanceof MappingNode)) {
            throw new ConfigException(List.of(new ConfigError(line(root),
                    "the file must be a mapping with a 'pipelines' list")));
        }
        Map<String, NodeTuple> top = entries((MappingNode) root, TOP, "top level");
        Optional<GatewayConfig.Admin> admin = Optional.empty();
        if (top.containsKey("admin")) {
            admin = admin(top.get("admin").getValueNode());
        }
        Duration drain = Duration.ofSeconds(5);
        if (top.containsKey("drainTimeout")) {
            Object d = value(top.get("drainTimeout").getValueNode(), OptionKind.DURATION, "drainTimeout");
            if (d != null) {
                drain = (Duration) d;
            }
        }
        List<GatewayConfig.PipelineSpec> pipelines = new ArrayList<>();
        if (!top.containsKey("pipelines")) {
            error(line(root), "no 'pipelines' list: nothing to run");
        } else {
            Node list = top.get("pipelines").getValueNode();
            if (!(list instanceof SequenceNode) || ((SequenceNode) list).getValue().isEmpty()) {
                error(line(list), "'pipelines' must be a non-empty list");
            } else {
                Set<String> names = new HashSet<>();
                int i = 0;
                for (Node p : ((SequenceNode) list).getValue()) {
                    GatewayConfig.PipelineSpec spec = pipeline(p, ++i);
                    if (spec != null) {
                        if (!names.add(spec.name())) {
                            error(line(p), "pipeline name '" + spec.name() + "' is used twice");
                        }
                        pipelines.add(spec);
                    }
                }
                checkBindings(pipelines);
            }
        }
        if (!errors.isEmpty()) {
            errors.sort((a, b) -> Integer.compare(a.line(), b.line()));
            throw new ConfigException(errors);
        }
        return new GatewayConfig(admin, drain, List.copyOf(pipelines));
    }

    /** Transports whose endpoints listen on or connect to a host and port. */
    private static final Set<String> NETWORK = Set.of("tcp", "udp", "http", "grpc", "rsocket", "websocket");
    private static final Set<String> WILDCARD = Set.of("0.0.0.0", "::", "[::]", "*");

    /** Flags two endpoints of the file that would bind the same port (TCP and UDP ports apart). */
    private void checkBindings(List<GatewayConfig.PipelineSpec> pipelines) {
        record Bound(String pipeline, String protocol, String host, int port, int line) {
            boolean clashes(Bound o) {
                return protocol.equals(o.protocol) && port == o.port
                        && (host.equals(o.host) || WILDCARD.contains(host) || WILDCARD.contains(o.host));
            }
        }
        List<Bound> bound = new ArrayList<>();
        for (GatewayConfig.PipelineSpec p : pipelines) {
            for (GatewayConfig.Endpoint e : java.util.Arrays.asList(p.source(), p.sink())) {
                if (e == null || !NETWORK.contains(e.type())) {
                    continue;
                }
                boolean streamServer = "rsocket".equals(e.type()) && "stream".equals(e.option("mode", ""));
                boolean binds = e == p.source() ? !streamServer : streamServer;
                int port = e.option("port", 0);
                if (!binds || port == 0) {
                    continue;
                }
                Bound b = new Bound(p.name(), "udp".equals(e.type()) ? "udp" : "tcp", e.option("host", "127.0.0.1"),
                        port, e.line());
                for (Bound other : bound) {
                    if (b.clashes(other)) {
                        error(b.line(), "pipeline '" + b.pipeline() + "' " + (e == p.source() ? "source" : "sink")
                                + " binds " + b.protocol() + " " + b.host() + ":" + port + ", which pipeline '"
                                + other.pipeline() + "' binds already (line " + other.line() + ")");
                        break;
                    }
                }
                bound.add(b);
            }
        }
    }

    private static int lineOf(String text, int codePointIndex) {
        return 1 + (int) text.codePoints().limit(Math.max(0, codePointIndex)).filter(c -> c == '\n').count();
    }

    private Optional<GatewayConfig.Admin> admin(Node node) {
        if (!(node instanceof MappingNode)) {
            error(line(node), "'admin' must be a mapping with host and port");
            return Optional.empty();
        }
        Map<String, NodeTuple> m = entries((MappingNode) node, Set.of("host", "port"), "admin");
        String host = m.containsKey("host") ? (String) value(m.get("host").getValueNode(), OptionKind.STRING, "admin host")
                : "127.0.0.1";
        Integer port = m.containsKey("port") ? (Integer) value(m.get("port").getValueNode(), OptionKind.PORT, "admin port")
                : Integer.valueOf(9090);
        return host == null || port == null ? Optional.empty() : Optional.of(new GatewayConfig.Admin(host, port));
    }

    private GatewayConfig.PipelineSpec pipeline(Node node, int index) {
        if (!(node instanceof MappingNode)) {
            error(line(node), "pipeline #" + index + " must be a mapping with name, source and sink");
            return null;
        }
        Map<String, NodeTuple> m = entries((MappingNode) node, PIPELINE, "pipeline #" + index);
        String name = "pipeline-" + index;
        if (m.containsKey("name")) {
            Object n = value(m.get("name").getValueNode(), OptionKind.STRING, "pipeline name");
            if (n != null) {
                name = (String) n;
            }
        }
        String what = "pipeline '" + name + "'";
        GatewayConfig.Endpoint source = null;
        GatewayConfig.Endpoint sink = null;
        if (m.containsKey("source")) {
            source = endpoint(m.get("source").getValueNode(), true, what);
        } else {
            error(line(node), what + " has no source");
        }
        if (m.containsKey("sink")) {
            sink = endpoint(m.get("sink").getValueNode(), false, what);
        } else {
            error(line(node), what + " has no sink");
        }
        GatewayConfig.OverflowSpec overflow = new GatewayConfig.OverflowSpec("block", 256);
        if (m.containsKey("overflow")) {
            overflow = overflow(m.get("overflow").getValueNode(), what);
        }
        List<GatewayConfig.Step> steps = new ArrayList<>();
        if (m.containsKey("steps")) {
            Node s = m.get("steps").getValueNode();
            if (!(s instanceof SequenceNode)) {
                error(line(s), what + ": 'steps' must be a list");
            } else {
                for (Node step : ((SequenceNode) s).getValue()) {
                    GatewayConfig.Step parsed = step(step, what);
                    if (parsed != null) {
                        steps.add(parsed);
                    }
                }
            }
        }
        return new GatewayConfig.PipelineSpec(name, source, overflow, List.copyOf(steps), sink);
    }

    private GatewayConfig.OverflowSpec overflow(Node node, String what) {
        if (!(node instanceof MappingNode)) {
            error(line(node), what + ": 'overflow' must be a mapping with policy and capacity");
            return null;
        }
        Map<String, NodeTuple> m = entries((MappingNode) node, Set.of("policy", "capacity"), what + " overflow");
        String policy = "block";
        if (m.containsKey("policy")) {
            Node p = m.get("policy").getValueNode();
            Object v = value(p, OptionKind.STRING, what + " overflow policy");
            if (v != null && !Catalog.POLICIES.contains(v)) {
                error(line(p), what + ": unknown overflow policy '" + v + "' (known: "
                        + String.join(", ", Catalog.POLICIES) + ")");
            } else if (v != null) {
                policy = (String) v;
            }
        }
        Integer capacity = 256;
        if (m.containsKey("capacity")) {
            Object c = value(m.get("capacity").getValueNode(), OptionKind.POSITIVE_INT, what + " overflow capacity");
            if (c != null) {
                capacity = (Integer) c;
            }
        }
        return new GatewayConfig.OverflowSpec(policy, capacity);
    }

    private GatewayConfig.Endpoint endpoint(Node node, boolean source, String what) {
        String role = source ? "source" : "sink";
        Catalog.Type type = typed(node, Catalog.ENDPOINTS, what + " " + role, role);
        if (type == null) {
            return null;
        }
        if (source ? !type.source() : !type.sink()) {
            error(line(node), what + ": '" + type.name() + "' cannot be used as a " + role + " (" + role + "s: "
                    + String.join(", ", Catalog.names(Catalog.ENDPOINTS, source)) + ")");
            return null;
        }
        Map<String, Object> options = options((MappingNode) node, type, what + " " + role + " " + type.name());
        if (options != null && !source && Integer.valueOf(0).equals(options.get("port"))) {
            error(line(find((MappingNode) node, "port").getValueNode()), what + " sink " + type.name()
                    + " port must be the port of the receiver, not 0 (0 means any free port, which only a server"
                    + " can use)");
            return null;
        }
        return options == null ? null : new GatewayConfig.Endpoint(type.name(), options, line(node));
    }

    private GatewayConfig.Step step(Node node, String what) {
        Catalog.Type type = typed(node, Catalog.STEPS, what + " step", "step");
        if (type == null) {
            return null;
        }
        Map<String, Object> options = options((MappingNode) node, type, what + " step " + type.name());
        return options == null ? null : new GatewayConfig.Step(type.name(), options, line(node));
    }

    private Catalog.Type typed(Node node, Map<String, Catalog.Type> catalog, String what, String kind) {
        if (!(node instanceof MappingNode)) {
            error(line(node), what + " must be a mapping with a 'type'");
            return null;
        }
        NodeTuple t = find((MappingNode) node, "type");
        if (t == null) {
            error(line(node), what + " has no 'type' (known: " + String.join(", ", catalog.keySet()) + ")");
            return null;
        }
        Object name = value(t.getValueNode(), OptionKind.STRING, what + " type");
        if (name == null) {
            return null;
        }
        Catalog.Type type = catalog.get(name);
        if (type == null) {
            String known = "step".equals(kind) ? String.join(", ", catalog.keySet())
                    : String.join(", ", Catalog.names(catalog, "source".equals(kind)));
            error(line(t.getValueNode()), what + ": unknown " + ("step".equals(kind) ? "step" : "transport") + " '"
                    + name + "' (known: " + known + ")");
        }
        return type;
    }

    private Map<String, Object> options(MappingNode node, Catalog.Type type, String what) {
        Map<String, Object> out = new LinkedHashMap<>();
        boolean ok = true;
        Set<String> allowed = new HashSet<>(type.options().keySet());
        allowed.add("type");
        for (NodeTuple t : node.getValue()) {
            String key = key(t);
            if (key == null || "type".equals(key)) {
                continue;
            }
            Catalog.Option opt = type.options().get(key);
            if (opt == null) {
                error(line(t.getKeyNode()), what + ": unknown option '" + key + "'"
                        + (type.options().isEmpty() ? " (it takes none)" : " (known: "
                        + String.join(", ", type.options().keySet()) + ")"));
                ok = false;
                continue;
            }
            Object v = value(t.getValueNode(), opt.kind(), what + " " + key);
            if (v == null) {
                ok = false;
            } else if (!opt.allowed().isEmpty() && !opt.allowed().contains(v)) {
                error(line(t.getValueNode()), what + ": " + key + " must be one of " + String.join(", ", opt.allowed())
                        + ", was '" + v + "'");
                ok = false;
            } else {
                out.put(key, v);
            }
        }
        for (Catalog.Option o : type.options().values()) {
            if (o.required() && !out.containsKey(o.name()) && find(node, o.name()) == null) {
                error(line(node), what + " needs '" + o.name() + "'");
                ok = false;
            }
        }
        return ok ? out : null;
    }

    private Map<String, NodeTuple> entries(MappingNode node, Set<String> allowed, String what) {
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

    private NodeTuple find(MappingNode node, String key) {
        for (NodeTuple t : node.getValue()) {
            if (key.equals(key(t))) {
                return t;
            }
        }
        return null;
    }

    private String key(NodeTuple t) {
        if (t.getKeyNode() instanceof ScalarNode s) {
            return s.getValue();
        }
        error(line(t.getKeyNode()), "keys must be plain names");
        return null;
    }

    /** Converts a node to a value of {@code kind}, or records an error and returns null. */
    private Object value(Node node, OptionKind kind, String what) {
        Object raw = plain(node);
        try {
            return kind.convert(raw);
        } catch (IllegalArgumentException e) {
            error(line(node), what + " " + e.getMessage());
            return null;
        }
    }

    private Object plain(Node node) {
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
        return new LinkedHashMap<>();
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
            return Set.of("true", "yes", "on").contains(v.toLowerCase(java.util.Locale.ROOT));
        }
        if (Tag.NULL.equals(tag)) {
            return null;
        }
        if (Tag.FLOAT.equals(tag)) {
            return Double.valueOf(v);
        }
        return v;
    }

    private void error(int line, String message) {
        errors.add(new ConfigError(line, message));
    }

    private static int line(Node node) {
        return node == null ? 0 : node.getStartMark().getLine() + 1;
    }
}
