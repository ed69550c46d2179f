package io.sluice.transport.udp;

import io.sluice.transport.Transports;
import io.sluice.transport.spi.Bind;
import io.sluice.transport.spi.EndpointContext;
import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import io.sluice.transport.spi.TransportProvider;
import java.util.List;

/**
 * The {@code udp} endpoint type: a {@link UdpSource} and a {@link UdpSink}, one datagram per message.
 * Unsequenced by default, as the builder: a datagram from {@code nc -u} or {@code socat} arrives whole.
 */
public final class UdpProvider implements TransportProvider {

    @Override
    public List<EndpointType> endpointTypes() {
        return List.of(EndpointType.network("udp", "UDP, one datagram per message", Bind.Protocol.UDP)
                .option(OptionSpec.optional("sequenced", OptionType.BOOLEAN, false,
                        "an 8-byte sequence number heads each datagram, so the source counts lost ones;"
                                + " source and sink must agree"))
                .source((o, c) -> builder(o, c).source())
                .sink((o, c) -> builder(o, c).sink())
                .build());
    }

    private static UdpBuilder builder(EndpointOptions o, EndpointContext c) {
        return Transports.udp().host(o.string("host")).port(o.integer("port")).sequenced(o.bool("sequenced"))
                .events(c.events());
    }
}
