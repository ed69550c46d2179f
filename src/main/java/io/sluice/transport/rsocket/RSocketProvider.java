package io.sluice.transport.rsocket;

import io.sluice.transport.StreamServerBuilder;
import io.sluice.transport.Transports;
import io.sluice.transport.spi.Bind;
import io.sluice.transport.spi.EndpointContext;
import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import io.sluice.transport.spi.Role;
import io.sluice.transport.spi.TransportProvider;
import io.sluice.transport.internal.SecurityOptions;
import io.sluice.transport.tls.TlsOptions;
import java.util.List;

/**
 * The {@code rsocket} endpoint type: {@link RSocketSource} and {@link RSocketSink}. In {@code stream}
 * mode the roles of server and client swap: the sink serves request-stream and binds, the source
 * connects to it.
 */
public final class RSocketProvider implements TransportProvider {

    @Override
    public List<EndpointType> endpointTypes() {
        return List.of(SecurityOptions.declare(EndpointType.network("rsocket", "RSocket over TCP or WebSocket", Bind.Protocol.TCP)
                .option(OptionSpec.choice("mode", "channel",
                        "request-channel (demand flows back to the sender), fire-and-forget, request-stream"
                                + " (the sink binds, the source connects), or request-response (sink: one acknowledged"
                                + " request per message)",
                        "channel", "fire-and-forget", "stream", "request-response"))
                .option(OptionSpec.optional("webSocket", OptionType.BOOLEAN, false,
                        "RSocket over WebSocket instead of TCP; source and sink must agree"))
                .option(OptionSpec.optional("ackTimeout", OptionType.DURATION, java.time.Duration.ofSeconds(10),
                        "with a persistent stage: longest wait of a request-response message for durability")
                        .sourceOnly())
                .option(OptionSpec.maxConnections(256))
                .option(OptionSpec.idleTimeout(StreamServerBuilder.DEFAULT_IDLE_TIMEOUT)), true)
                .source((o, c) -> secured(builder(o, c), o, Role.SOURCE).ackTimeout(o.duration("ackTimeout"))
                        .maxConnections(o.integer("maxConnections")).idleTimeout(o.duration("idleTimeout")).source())
                .sink((o, c) -> secured(builder(o, c), o, Role.SINK).sink())
                .binds(RSocketProvider::binds)
                .build());
    }

    private static List<Bind> binds(Role role, EndpointOptions o) {
        boolean stream = "stream".equals(o.string("mode"));
        return Bind.tcpServer(stream ? flip(role) : role, o);
    }

    /**
     * TLS and tokens. In stream mode the roles swap: the sink serves (its {@code tls} is a server's:
     * {@code cert}, {@code key}, {@code clientCa}) and the source dials (its {@code tls} is a client's:
     * {@code ca}, hostname check, client certificate); tokens are not offered there (the {@code auth}
     * groups have the other side's form), mutual TLS names the client instead.
     */
    private static RSocketBuilder secured(RSocketBuilder b, EndpointOptions o, Role role) {
        if (!"stream".equals(o.string("mode"))) {
            return SecurityOptions.apply(b, o, role);
        }
        if (o.group("auth") != null) {
            throw new IllegalArgumentException("rsocket mode stream: auth (bearer tokens) is not supported;"
                    + " use tls with clientCa on the sink (mutual TLS) to authenticate the source");
        }
        return b.tls(TlsOptions.from(o.group("tls"), flip(role), null));
    }

    private static Role flip(Role role) {
        return role == Role.SOURCE ? Role.SINK : Role.SOURCE;
    }

    private static RSocketBuilder builder(EndpointOptions o, EndpointContext c) {
        return Transports.rsocket().host(o.string("host")).port(o.integer("port"))
                .mode(switch (o.string("mode")) {
                    case "fire-and-forget" -> RSocketBuilder.Mode.FIRE_AND_FORGET;
                    case "stream" -> RSocketBuilder.Mode.STREAM;
                    case "request-response" -> RSocketBuilder.Mode.REQUEST_RESPONSE;
                    default -> RSocketBuilder.Mode.CHANNEL;
                })
                .webSocket(o.bool("webSocket"))
                .events(c.events());
    }
}
