package io.sluice.gateway;

import io.sluice.transport.resilience.DeadLetterFile;
import io.sluice.transport.resilience.RetryPolicy;
import io.sluice.transport.spi.Bind;
import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.OptionSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * The options every sink takes besides its transport's ({@code retry}, {@code deadLetter}; see
 * {@link io.sluice.transport.resilience.ResilientSink}) and a pipeline's {@code deadLetter}, as the
 * {@link ConfigReader} reads them.
 */
final class SinkResilienceOptions {

    /** The common sink options. */
    static final List<OptionSpec> COMMON = List.of(RetryPolicy.option(), DeadLetterFile.option());

    private final YamlNodes yaml;
    private final OptionsReader options;

    SinkResilienceOptions(YamlNodes yaml, OptionsReader options) {
        this.yaml = yaml;
        this.options = options;
    }

    /** @return a sink transport's options plus the common ones */
    static List<OptionSpec> withCommon(List<OptionSpec> specs) {
        List<OptionSpec> all = new ArrayList<>(specs);
        all.addAll(COMMON);
        return all;
    }

    /**
     * Reports a {@code retry} whose values do not make a policy, and common options on a sink that binds.
     *
     * @return false when the endpoint is invalid
     */
    boolean check(MappingNode node, EndpointOptions read, boolean ok, List<Bind> bound, String what) {
        if (ok && read.group("retry") != null) {
            try {
                RetryPolicy.of(read.group("retry"));
            } catch (IllegalArgumentException e) {
                yaml.error(YamlNodes.line(YamlNodes.find(node, "retry").getValueNode()), what + ": " + e.getMessage());
                return false;
            }
        }
        if (!bound.isEmpty()) {
            for (OptionSpec common : COMMON) {
                NodeTuple t = YamlNodes.find(node, common.name());
                if (t != null) {
                    yaml.error(YamlNodes.line(t.getKeyNode()), what + ": '" + common.name()
                            + "' applies to a sink that connects, and this one binds");
                }
            }
        }
        return true;
    }

    /** @return the sink with the pipeline's {@code deadLetter} applied, unless the sink names its own */
    GatewayConfig.Endpoint pipelineDeadLetter(Node node, GatewayConfig.Endpoint sink, String what) {
        if (!(node instanceof MappingNode m)) {
            yaml.error(YamlNodes.line(node), what + ": 'deadLetter' must be a mapping with a path");
            return sink;
        }
        OptionsReader.Result r = options.read(m, "deadLetter", COMMON.get(1).fields(), Map.of(), what + " deadLetter");
        if (!r.ok() || sink.options().has("deadLetter")) {
            return sink;
        }
        Map<String, Object> values = new LinkedHashMap<>(sink.options().values());
        values.put("deadLetter", r.options());
        return new GatewayConfig.Endpoint(sink.endpointType(), sink.role(),
                new EndpointOptions(sink.options().type(), values), sink.line());
    }
}
