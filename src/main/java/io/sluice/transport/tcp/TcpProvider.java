package io.sluice.transport.tcp;

import io.sluice.transport.StreamServerBuilder;
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

/** The {@code tcp} endpoint type: a {@link TcpSource} server and a {@link TcpSink} client. */
public final class TcpProvider implements TransportProvider {

    @Override
    public List<EndpointType> endpointTypes() {
        return List.of(SecurityOptions.declare(EndpointType.network("tcp", "TCP stream, one message per newline or length-prefixed frame",
                        Bind.Protocol.TCP)
                .option(OptionSpec.choice("framing", "newline",
                        "newline, or length-prefixed (4-byte big-endian length, then the payload)",
                        "newline", "length-prefixed"))
                .option(OptionSpec.choice("lastLine", "emit",
                        "newline framing: a last line without '\\n' at end of stream is a message (emit) or dropped"
                                + " and reported as an error (discard)", "emit", "discard").sourceOnly())
                .option(OptionSpec.optional("maxFrame", OptionType.POSITIVE_INT, TcpBuilder.DEFAULT_MAX_FRAME_LENGTH,
                        "largest frame in bytes; a larger one closes its connection"))
                .option(OptionSpec.maxConnections(64))
                .option(OptionSpec.idleTimeout(StreamServerBuilder.DEFAULT_IDLE_TIMEOUT))
                .option(OptionSpec.optional("acks", OptionType.BOOLEAN, false,
                        "write back 8-byte big-endian counts of the messages acknowledged (durable or delivered)")
                        .sourceOnly()), false)
                .source((o, c) -> SecurityOptions.apply(builder(o, c), o, Role.SOURCE).maxConnections(o.integer("maxConnections")).acks(o.bool("acks"))
                        .idleTimeout(o.duration("idleTimeout"))
                        .source())
                .sink((o, c) -> SecurityOptions.apply(builder(o, c), o, Role.SINK).sink())
                .build());
    }

    private static Framing framing(EndpointOptions o) {
        if ("length-prefixed".equals(o.string("framing"))) {
            return Framing.lengthPrefixed();
        }
        return "discard".equals(o.string("lastLine")) ? Framing.newlineDiscardingLastLine() : Framing.newline();
    }

    private static TcpBuilder builder(EndpointOptions o, EndpointContext c) {
        return Transports.tcp().host(o.string("host")).port(o.integer("port"))
                .framing(framing(o))
                .maxFrameLength(o.integer("maxFrame"))
                .events(c.events());
    }
}
