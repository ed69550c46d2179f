package io.sluice.testtransport;

import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import io.sluice.transport.Listening;
import io.sluice.transport.spi.Bind;
import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import io.sluice.transport.spi.TransportProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Test-only endpoint types that make a gateway's start and stop slow on purpose (tests of
 * readiness):
 * <ul>
 *   <li>{@code gated} source: binds TCP 127.0.0.1:{@code port} only once {@code file} exists (it
 *       polls every 20 ms), then accepts connections and emits nothing;</li>
 *   <li>{@code slow} sink: takes one message per {@code delay}, so a stop drains slowly.</li>
 * </ul>
 */
public final class GatedProvider implements TransportProvider {

    /** Creates the provider ({@link java.util.ServiceLoader} calls this). */
    public GatedProvider() {
    }

    @Override
    public List<EndpointType> endpointTypes() {
        EndpointType gated = EndpointType.builder("gated", "a TCP listener that binds once a file exists (test only)")
                .option(OptionSpec.required("port", OptionType.PORT, "port to bind"))
                .option(OptionSpec.required("file", OptionType.STRING, "bind once this file exists"))
                .source((o, c) -> new Gated(o.integer("port"), Path.of(o.string("file"))))
                .binds((role, o) -> List.of(new Bind(Bind.Protocol.TCP, "127.0.0.1", o.integer("port"))))
                .build();
        EndpointType slow = EndpointType.builder("slow", "a sink that takes one message per delay (test only)")
                .option(OptionSpec.optional("delay", OptionType.DURATION, Duration.ofMillis(100), "time per message"))
                .sink((o, c) -> slowSink(o.duration("delay")))
                .build();
        return List.of(gated, slow);
    }

    private static Sink<Message> slowSink(Duration delay) {
        return messages -> messages.concatMap(m -> Mono.delay(delay).thenReturn(m), 1).doOnNext(Message::ack).then();
    }

    /** The gated listener. */
    private static final class Gated implements Source<Message>, Listening {
        private final int port;
        private final Path file;
        private final Sinks.One<String> bound = Sinks.one();

        Gated(int port, Path file) {
            this.port = port;
            this.file = file;
        }

        @Override
        public Mono<String> listening() {
            return bound.asMono();
        }

        @Override
        public Flux<Message> flux() {
            return Flux.using(this::bindWhenFileExists, s -> {
                bound.tryEmitValue("127.0.0.1:" + port);
                return Flux.<Message>never();
            }, s -> {
                try {
                    s.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).subscribeOn(Schedulers.boundedElastic());
        }

        private ServerSocket bindWhenFileExists() throws Exception {
            while (!Files.exists(file)) {
                Thread.sleep(20);
            }
            return new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        }
    }
}
