package io.sluice.transport.builtin;

import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import io.sluice.transport.spi.TransportProvider;
import java.time.Duration;
import java.util.List;

/** The {@code generator} source and the {@code stdout} and {@code discard} sinks. */
public final class BuiltinProvider implements TransportProvider {

    @Override
    public List<EndpointType> endpointTypes() {
        return List.of(
                EndpointType.builder("generator", "generated messages: as fast as demanded, at an interval or a rate")
                        .option(OptionSpec.optional("count", OptionType.POSITIVE_INT, 1000, "messages, then it ends"))
                        .option(OptionSpec.optional("size", OptionType.POSITIVE_INT, 18, "payload bytes"))
                        .option(OptionSpec.optional("interval", OptionType.DURATION, null,
                                "one message per interval (default: as fast as demanded)"))
                        .option(OptionSpec.optional("rate", OptionType.POSITIVE_INT, null,
                                "about this many messages per second (overrides interval)"))
                        .option(OptionSpec.optional("devices", OptionType.POSITIVE_INT, null,
                                "JSON telemetry readings of this many devices instead of filler bytes"))
                        .source((o, c) -> new Generator(o.integer("count"), o.integer("size"), o.duration("interval"),
                                o.integer("rate"), o.integer("devices")))
                        .build(),
                EndpointType.builder("stdout", "the gateway's standard output, one line per message")
                        .sink((o, c) -> LocalSinks.stdout(c.stdout()))
                        .build(),
                EndpointType.builder("discard", "drops every message (after an optional simulated cost)")
                        .option(OptionSpec.optional("delay", OptionType.DURATION, Duration.ZERO,
                                "simulated processing cost per message"))
                        .sink((o, c) -> LocalSinks.discard(o.duration("delay")))
                        .build());
    }
}
