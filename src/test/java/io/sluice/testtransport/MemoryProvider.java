package io.sluice.testtransport;

import io.sluice.Message;
import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import io.sluice.transport.spi.TransportProvider;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The {@code memory} endpoint type: a sink hands its messages to the source of the same named in-JVM
 * channel (one writer, one reader), with the reader's demand reaching the writer ({@code prefetch} at a
 * time); the source tags each message with a {@code via} header.
 */
public final class MemoryProvider implements TransportProvider {

    /** A hand-off: the writer's flux, and its end. */
    private record Channel(Sinks.One<Flux<Message>> messages, Sinks.Empty<Void> done) {
    }

    private static final Map<String, Channel> CHANNELS = new ConcurrentHashMap<>();

    /** Creates the provider ({@link java.util.ServiceLoader} calls this). */
    public MemoryProvider() {
    }

    @Override
    public List<EndpointType> endpointTypes() {
        return List.of(EndpointType.builder("memory", "a named in-JVM channel (test only)")
                .option(OptionSpec.required("channel", OptionType.STRING, "channel name"))
                .option(OptionSpec.optional("prefetch", OptionType.POSITIVE_INT, 64,
                        "messages requested from the writer at a time").sinkOnly())
                .option(OptionSpec.optional("tag", OptionType.STRING, "memory", "value of the via header").sourceOnly())
                .option(OptionSpec.group("auth", "credentials, checked by nobody (shows group validation)",
                        OptionSpec.required("user", OptionType.STRING, "user name"),
                        OptionSpec.optional("retries", OptionType.NON_NEGATIVE_INT, 0, "retries")))
                .source((o, c) -> () -> channel(o.string("channel")).messages().asMono().flatMapMany(f -> f)
                        .map(m -> m.withHeader("via", o.string("tag"))))
                .sink((o, c) -> messages -> {
                    Channel ch = channel(o.string("channel"));
                    ch.messages().tryEmitValue(messages.limitRate(o.integer("prefetch"))
                            .doFinally(s -> ch.done().tryEmitEmpty()));
                    return ch.done().asMono();
                })
                .build());
    }

    private static Channel channel(String name) {
        return CHANNELS.computeIfAbsent(name, n -> new Channel(Sinks.one(), Sinks.empty()));
    }
}
