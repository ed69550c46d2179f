package io.sluice.gateway;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.event.EventDispatcher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;

/** The one-pipeline gateways of the durable-acknowledgement tests: a server source, an overflow stage, a file sink. */
final class DurableGateways {

    private DurableGateways() {
    }

    /** @return a port free on 127.0.0.1 a moment ago */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * @param source the source, a YAML flow mapping
     * @param overflow the overflow stage, a YAML flow mapping
     * @param out the sink file
     * @return the started gateway
     * @throws ConfigException when the YAML is invalid
     */
    static Gateway start(String source, String overflow, Path out) throws ConfigException {
        String yaml = "pipelines:\n"
                + "  - name: durable\n"
                + "    source: " + source + "\n"
                + "    overflow: " + overflow + "\n"
                + "    sink: {type: file, path: '" + out + "', flushInterval: 10ms}\n";
        return Gateway.start(GatewayConfig.parse(yaml), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new EventDispatcher(), new ByteArrayOutputStream());
    }
}
