package io.sluice.transport.http;

import io.sluice.transport.Transports;
import io.sluice.transport.spi.Bind;
import io.sluice.transport.spi.EndpointContext;
import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import io.sluice.transport.spi.TransportProvider;
import io.sluice.transport.internal.SecurityOptions;
import io.sluice.transport.spi.Role;
import java.util.List;

/** The {@code http} endpoint type: an {@link HttpSource} server taking POSTs and an {@link HttpSink} client. */
public final class HttpProvider implements TransportProvider {

    @Override
    public List<EndpointType> endpointTypes() {
        return List.of(SecurityOptions.declare(EndpointType.network("http", "HTTP POST, one message per request body (answered 202)",
                        Bind.Protocol.TCP)
                .option(OptionSpec.optional("path", OptionType.STRING, "/ingest", "request path"))
                .option(OptionSpec.optional("maxBody", OptionType.POSITIVE_INT, 1 << 20,
                        "largest body in bytes; a larger one is answered 413").sourceOnly())
                .option(OptionSpec.optional("acceptTimeout", OptionType.DURATION, java.time.Duration.ofSeconds(10),
                        "longest wait for room, and with a persistent stage for durability, before a 503").sourceOnly())
                .option(OptionSpec.maxConnections(256))
                .option(OptionSpec.idleTimeout(HttpBuilder.DEFAULT_IDLE_TIMEOUT))
                .option(OptionSpec.optional("headerTimeout", OptionType.DURATION, HttpBuilder.DEFAULT_HEADER_TIMEOUT,
                        "longest time from a request's first byte to the end of its headers; then 408 and close"
                                + " (0s: no limit)").sourceOnly())
                .option(OptionSpec.optional("bodyTimeout", OptionType.DURATION, HttpBuilder.DEFAULT_BODY_TIMEOUT,
                        "longest time for a request body after its headers (waits for room not counted); then 408"
                                + " and close (0s: no limit)").sourceOnly())
                .option(OptionSpec.optional("concurrency", OptionType.POSITIVE_INT, 8,
                        "requests in flight at once").sinkOnly()), true)
                .source((o, c) -> SecurityOptions.apply(builder(o, c), o, Role.SOURCE).maxBodySize(o.integer("maxBody"))
                        .acceptTimeout(o.duration("acceptTimeout"))
                        .maxConnections(o.integer("maxConnections")).idleTimeout(o.duration("idleTimeout"))
                        .headerTimeout(o.duration("headerTimeout")).bodyTimeout(o.duration("bodyTimeout")).source())
                .sink((o, c) -> SecurityOptions.apply(builder(o, c), o, Role.SINK).concurrency(o.integer("concurrency")).sink())
                .build());
    }

    private static HttpBuilder builder(EndpointOptions o, EndpointContext c) {
        return Transports.http().host(o.string("host")).port(o.integer("port")).path(o.string("path"))
                .events(c.events());
    }
}
