package io.sluice.gateway;

import io.sluice.transport.spi.Bind;
import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import io.sluice.transport.spi.Role;
import io.sluice.transport.spi.TransportRegistry;
import java.io.StringReader;
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
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.reader.ReaderException;

/**
 * Reads the YAML node tree (SnakeYAML, safe mode) so every value keeps its line, validates endpoints
 * against the schemas of the {@link TransportRegistry}'s types and steps against the {@link Catalog},
 * checks that no two parts bind the same port, and collects every error before failing.
 */
final class ConfigReader {

    private static final Set<String> TOP = Set.of("admin", "drainTimeout", "pipelines");
    private static final Set<String> PIPELINE = Set.of("name", "source", "overflow", "steps", "sink", "deadLetter");
    private static final List<OptionSpec> ADMIN = List.of(OptionSpec.host(),
            OptionSpec.optional("port", OptionType.PORT, 9090, "admin port"),
            io.sluice.transport.tls.TlsOptions.tlsOption());
    private static final List<OptionSpec> OVERFLOW = List.of(
            new OptionSpec("policy", OptionType.STRING, false, "block", Catalog.POLICIES, Set.of(), "policy", List.of()),
            OptionSpec.optional("capacity", OptionType.POSITIVE_INT, 256, "buffer size"),
            OptionSpec.optional("priorityHeader", OptionType.STRING, "priority", "priority: header with the priority"),
            OptionSpec.optional("keyHeader", OptionType.STRING, null, "priority: header whose value merges messages"),
            OptionSpec.optional("path", OptionType.STRING, null, "persistent: the log directory (required)"),
            OptionSpec.optional("maxBytes", OptionType.SIZE, 1L << 30, "persistent: bound on the log's files"),
            OptionSpec.choice("whenFull", "block", "persistent: what a full log does", "block", "drop-newest"),
            OptionSpec.optional("fsync", OptionType.STRING, "10ms", "persistent: always, never or a group-commit interval"));
    /** Options that only a {@code persistent} stage takes. */
    private static final List<String> PERSISTENT_ONLY = List.of("path", "maxBytes", "whenFull", "fsync");

    private final TransportRegistry registry;
    private final YamlNodes yaml = new YamlNodes();
    private final OptionsReader options = new OptionsReader(yaml);
    private final SinkResilienceOptions resilience = new SinkResilienceOptions(yaml, options);
    private final BindCheck binds = new BindCheck();
    private final Set<java.nio.file.Path> persistentPaths = new HashSet<>();
    private final SecurityFiles securityFiles;

    ConfigReader(TransportRegistry registry) {
        this(registry, null);
    }

    /**
     * @param registry the endpoint types
     * @param baseDir directory relative file names (tls, auth) are resolved against, or null
     */
    ConfigReader(TransportRegistry registry, java.nio.file.Path baseDir) {
        this.registry = registry;
        this.securityFiles = new SecurityFiles(yaml, baseDir);
    }

    GatewayConfig read(String text) throws ConfigException {
        Node root = compose(text);
        if (!(root instanceof MappingNode rootMap)) {
            throw new ConfigException(List.of(new ConfigError(YamlNodes.line(root),
                    "the file must be a mapping with a 'pipelines' list")));
        }
        Map<String, NodeTuple> top = yaml.entries(rootMap, TOP, "top level");
        Optional<GatewayConfig.Admin> admin = top.containsKey("admin") ? admin(top.get("admin").getValueNode())
                : Optional.empty();
        Duration drain = Duration.ofSeconds(5);
        if (top.containsKey("drainTimeout")) {
            Object d = yaml.value(top.get("drainTimeout").getValueNode(), OptionType.DURATION, "drainTimeout");
            drain = d != null ? (Duration) d : drain;
        }
        List<GatewayConfig.PipelineSpec> pipelines = new ArrayList<>();
        Node list = top.containsKey("pipelines") ? top.get("pipelines").getValueNode() : null;
        if (list == null) {
            yaml.error(YamlNodes.line(root), "no 'pipelines' list: nothing to run");
        } else if (!(list instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
            yaml.error(YamlNodes.line(list), "'pipelines' must be a non-empty list");
        } else {
            Set<String> names = new HashSet<>();
            int i = 0;
            for (Node p : seq.getValue()) {
                GatewayConfig.PipelineSpec spec = pipeline(p, ++i);
                if (spec != null) {
                    if (!names.add(spec.name())) {
                        yaml.error(YamlNodes.line(p), "pipeline name '" + spec.name() + "' is used twice");
                    }
                    pipelines.add(spec);
                }
            }
        }
        binds.report(yaml);
        List<ConfigError> errors = yaml.errors();
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new GatewayConfig(admin, drain, List.copyOf(pipelines));
    }

    private static Node compose(String text) throws ConfigException {
        Node root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
            throw new ConfigException(List.of(new ConfigError(mark == null ? 0 : mark.getLine() + 1,
                    "not valid YAML: " + problem)));
        } catch (ReaderException e) {
            // no mark, but the position of the offending character gives its line
            int line = 1 + (int) text.codePoints().limit(Math.max(0, e.getPosition())).filter(c -> c == '\n').count();
            throw new ConfigException(List.of(new ConfigError(line, "not valid YAML: " + e.getMessage())));
        } catch (YAMLException e) {
            throw new ConfigException(List.of(new ConfigError(0, "not valid YAML: " + e.getMessage())));
        }
        if (root == null) {
            throw new ConfigException(List.of(new ConfigError(0,
                    "the file is empty: it must be a mapping with a 'pipelines' list")));
        }
        return root;
    }

    private Optional<GatewayConfig.Admin> admin(Node node) {
        if (!(node instanceof MappingNode m)) {
            yaml.error(YamlNodes.line(node), "'admin' must be a mapping with host and port");
            return Optional.empty();
        }
        OptionsReader.Result r = options.read(m, "admin", ADMIN, Map.of(), "admin");
        EndpointOptions o = r.options();
        if (o.has("host") && o.has("port")) {
            binds.add("the admin server", "the admin server",
                    List.of(new Bind(Bind.Protocol.TCP, o.string("host"), o.integer("port"))), YamlNodes.line(node));
        }
        if (!r.ok()) {
            return Optional.empty();
        }
        EndpointOptions checked = securityFiles.check(o, m, Role.SOURCE, "admin");
        return checked == null ? Optional.empty() : Optional.of(new GatewayConfig.Admin(o.string("host"),
                o.integer("port"), io.sluice.transport.tls.TlsOptions.from(checked.group("tls"), Role.SOURCE, null)));
    }

    private GatewayConfig.PipelineSpec pipeline(Node node, int index) {
        if (!(node instanceof MappingNode m)) {
            yaml.error(YamlNodes.line(node), "pipeline #" + index + " must be a mapping with name, source and sink");
            return null;
        }
        String name = "pipeline-" + index;
        NodeTuple n = YamlNodes.find(m, "name");
        if (n != null) {
            Object v = yaml.value(n.getValueNode(), OptionType.STRING, "pipeline #" + index + " name");
            name = v != null ? (String) v : name;
        }
        String what = "pipeline '" + name + "'";
        Map<String, NodeTuple> e = yaml.entries(m, PIPELINE, what);
        GatewayConfig.Endpoint source = null;
        GatewayConfig.Endpoint sink = null;
        if (e.containsKey("source")) {
            source = endpoint(e.get("source").getValueNode(), Role.SOURCE, what);
        } else {
            yaml.error(YamlNodes.line(node), what + " has no source");
        }
        if (e.containsKey("sink")) {
            sink = endpoint(e.get("sink").getValueNode(), Role.SINK, what);
        } else {
            yaml.error(YamlNodes.line(node), what + " has no sink");
        }
        GatewayConfig.OverflowSpec overflow = new GatewayConfig.OverflowSpec("block", 256);
        if (e.containsKey("overflow")) {
            overflow = overflow(e.get("overflow").getValueNode(), what);
        }
        List<GatewayConfig.Step> steps = new ArrayList<>();
        if (e.containsKey("steps")) {
            Node s = e.get("steps").getValueNode();
            if (!(s instanceof SequenceNode seq)) {
                yaml.error(YamlNodes.line(s), what + ": 'steps' must be a list");
            } else {
                for (Node step : seq.getValue()) {
                    GatewayConfig.Step parsed = step(step, what);
                    if (parsed != null) {
                        steps.add(parsed);
                    }
                }
            }
        }
        if (e.containsKey("deadLetter") && sink != null) {
            sink = resilience.pipelineDeadLetter(e.get("deadLetter").getValueNode(), sink, what);
        }
        return new GatewayConfig.PipelineSpec(name, source, overflow, List.copyOf(steps), sink);
    }

    private GatewayConfig.OverflowSpec overflow(Node node, String what) {
        if (!(node instanceof MappingNode m)) {
            yaml.error(YamlNodes.line(node), what + ": 'overflow' must be a mapping with policy and capacity");
            return null;
        }
        OptionsReader.Result r = options.read(m, "overflow", OVERFLOW, Map.of(), what + " overflow");
        EndpointOptions o = r.options();
        String policy = o.has("policy") ? o.string("policy") : "block";
        GatewayConfig.PersistentSpec persistent = null;
        if (PersistentStage.POLICY.equals(policy)) {
            persistent = persistent(m, o, what);
        } else {
            for (String key : PERSISTENT_ONLY) {
                NodeTuple t = YamlNodes.find(m, key);
                if (t != null) {
                    yaml.error(YamlNodes.line(t.getKeyNode()), what + " overflow: '" + key
                            + "' applies to policy persistent only (this one is " + policy + ")");
                }
            }
        }
        return new GatewayConfig.OverflowSpec(policy, o.has("capacity") ? o.integer("capacity") : 256,
                o.has("priorityHeader") ? o.string("priorityHeader") : "priority", o.string("keyHeader"), persistent);
    }

    private GatewayConfig.PersistentSpec persistent(MappingNode m, EndpointOptions o, String what) {
        if (!o.has("path")) {
            yaml.error(YamlNodes.line(m), what + " overflow: policy persistent needs a 'path' (the log directory)");
            return null;
        }
        String fsyncText = o.has("fsync") ? o.string("fsync") : "10ms";
        io.sluice.persist.Fsync fsync;
        try {
            fsync = PersistentStage.fsync(fsyncText);
        } catch (IllegalArgumentException e) {
            NodeTuple t = YamlNodes.find(m, "fsync");
            yaml.error(YamlNodes.line(t == null ? m : t.getValueNode()), what + " overflow: fsync " + e.getMessage());
            return null;
        }
        io.sluice.persist.WhenFull whenFull = "drop-newest".equals(o.string("whenFull"))
                ? io.sluice.persist.WhenFull.DROP_NEWEST : io.sluice.persist.WhenFull.BLOCK;
        long maxBytes = o.has("maxBytes") ? o.size("maxBytes") : 1L << 30;
        java.nio.file.Path path = java.nio.file.Path.of(o.string("path")).toAbsolutePath().normalize();
        if (!persistentPaths.add(path)) {
            yaml.error(YamlNodes.line(YamlNodes.find(m, "path").getValueNode()), what + " overflow: path " + path
                    + " is already the log of another pipeline (one pipeline per directory)");
        }
        return new GatewayConfig.PersistentSpec(path, maxBytes, whenFull, fsync);
    }

    private GatewayConfig.Endpoint endpoint(Node node, Role role, String pipeline) {
        String side = role == Role.SOURCE ? "source" : "sink";
        List<String> offered = registry.types().stream().filter(t -> t.offers(role)).map(EndpointType::name).toList();
        String name = typeName(node, pipeline + " " + side, offered);
        if (name == null) {
            return null;
        }
        Optional<EndpointType> found = registry.find(name);
        if (found.isEmpty()) {
            yaml.error(typeLine(node), pipeline + " " + side + ": unknown transport '" + name + "' (known: "
                    + String.join(", ", offered) + ")");
            return null;
        }
        EndpointType type = found.get();
        if (!type.offers(role)) {
            yaml.error(YamlNodes.line(node), pipeline + ": '" + name + "' cannot be used as a " + side + " (" + side
                    + "s: " + String.join(", ", offered) + ")");
            return null;
        }
        Map<String, String> elsewhere = new LinkedHashMap<>();
        Role other = role == Role.SOURCE ? Role.SINK : Role.SOURCE;
        type.options(other).stream().filter(o -> !o.appliesTo(role))
                .forEach(o -> elsewhere.put(o.name(), "applies to a " + side(other) + " only"));
        String what = pipeline + " " + side + " " + name;
        List<OptionSpec> specs = role == Role.SINK ? SinkResilienceOptions.withCommon(type.options(role)) : type.options(role);
        OptionsReader.Result r = options.read((MappingNode) node, name, specs, elsewhere, what);
        List<Bind> bound = binds(type, role, r.options());
        if (role == Role.SINK && !resilience.check((MappingNode) node, r.options(), r.ok(), bound, what)) {
            return null;
        }
        binds.add(pipeline + " " + side, pipeline, bound, YamlNodes.line(node));
        if (r.ok() && role == Role.SINK && bound.isEmpty() && Integer.valueOf(0).equals(r.options().values().get("port"))
                && YamlNodes.find((MappingNode) node, "port") != null) {
            yaml.error(YamlNodes.line(YamlNodes.find((MappingNode) node, "port").getValueNode()), what
                    + " port must be the port of the receiver, not 0 (0 means any free port, which only a server"
                    + " can use)");
            return null;
        }
        // only the tls/auth groups SecurityOptions declares name files; a plugin may have groups of its own by those names
        boolean secured = type.options(role).contains(io.sluice.transport.tls.TlsOptions.tlsOption())
                || type.options(role).contains(io.sluice.transport.auth.TokenAuthenticator.authOption())
                || type.options(role).contains(io.sluice.transport.auth.SinkToken.authOption())
                || type.options(role).contains(io.sluice.transport.auth.ZmqCurve.curveOption());
        EndpointOptions checked = !r.ok() ? null
                : secured ? securityFiles.check(r.options(), (MappingNode) node, role,
                        bound.isEmpty() ? Role.SINK : Role.SOURCE, what) : r.options();
        return checked != null ? new GatewayConfig.Endpoint(type, role, checked, YamlNodes.line(node)) : null;
    }

    private static String side(Role role) {
        return role == Role.SOURCE ? "source" : "sink";
    }

    /** What an endpoint binds, also from partial options (a pipeline with other errors is still checked). */
    private static List<Bind> binds(EndpointType type, Role role, EndpointOptions options) {
        try {
            return type.binder().binds(role, options);
        } catch (RuntimeException incomplete) {
            return List.of();
        }
    }

    private GatewayConfig.Step step(Node node, String pipeline) {
        String name = typeName(node, pipeline + " step", List.copyOf(Catalog.STEPS.keySet()));
        if (name == null) {
            return null;
        }
        Catalog.StepType type = Catalog.STEPS.get(name);
        if (type == null) {
            yaml.error(typeLine(node), pipeline + " step: unknown step '" + name + "' (known: "
                    + String.join(", ", Catalog.STEPS.keySet()) + ")");
            return null;
        }
        OptionsReader.Result r = options.read((MappingNode) node, name, type.options(), Map.of(),
                pipeline + " step " + name);
        return r.ok() ? new GatewayConfig.Step(name, r.options().values(), YamlNodes.line(node)) : null;
    }

    /** @return the {@code type} of a mapping, or null (reported) when it is not a mapping or has none */
    private String typeName(Node node, String what, List<String> known) {
        if (!(node instanceof MappingNode m)) {
            yaml.error(YamlNodes.line(node), what + " must be a mapping with a 'type'");
            return null;
        }
        NodeTuple t = YamlNodes.find(m, "type");
        if (t == null) {
            yaml.error(YamlNodes.line(node), what + " has no 'type' (known: " + String.join(", ", known) + ")");
            return null;
        }
        return (String) yaml.value(t.getValueNode(), OptionType.STRING, what + " type");
    }

    private static int typeLine(Node node) {
        return YamlNodes.line(YamlNodes.find((MappingNode) node, "type").getValueNode());
    }
}
