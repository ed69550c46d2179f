package io.sluice.transport.websocket;

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

/** The {@code websocket} endpoint type: a {@link WebSocketSource} server and a {@link WebSocketSink} client. */
public final class WebSocketProvider implements TransportProvider {

    @Override
    public List<EndpointType> endpointTypes() {
        return List.of(SecurityOptions.declare(EndpointType.network("websocket", "WebSocket, one binary or text message per message",
                        Bind.Protocol.TCP)
                .option(OptionSpec.optional("path", OptionType.STRING, "/ws", "upgrade path"))
                .option(OptionSpec.optional("maxFrame", OptionType.POSITIVE_INT, 1 << 20,
                        "largest message in bytes (continuation frames aggregated)"))
                .option(OptionSpec.maxConnections(64))
                .option(OptionSpec.idleTimeout(WebSocketBuilder.DEFAULT_IDLE_TIMEOUT))
                .option(OptionSpec.optional("pingInterval", OptionType.DURATION, WebSocketBuilder.DEFAULT_PING_INTERVAL,
                        "ping a connection silent for this long; one that does not answer is closed at idleTimeout"
                                + " (0s: no pings)").sourceOnly())
                .option(OptionSpec.optional("headerTimeout", OptionType.DURATION, WebSocketBuilder.DEFAULT_HEADER_TIMEOUT,
                        "longest time for the upgrade request's headers; then 408 and close (0s: no limit)")
                        .sourceOnly()), true)
                .source((o, c) -> SecurityOptions.apply(builder(o, c), o, Role.SOURCE).maxConnections(o.integer("maxConnections"))
                        .idleTimeout(o.duration("idleTimeout")).pingInterval(o.duration("pingInterval"))
                        .headerTimeout(o.duration("headerTimeout")).source())
                .sink((o, c) -> SecurityOptions.apply(builder(o, c), o, Role.SINK).sink())
                .build());
    }

    private static WebSocketBuilder builder(EndpointOptions o, EndpointContext c) {
        return Transports.websocket().host(o.string("host")).port(o.integer("port")).path(o.string("path"))
                .maxFrameLength(o.integer("maxFrame")).events(c.events());
    }
}
