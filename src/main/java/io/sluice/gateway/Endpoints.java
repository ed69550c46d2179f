package io.sluice.gateway;

import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import io.sluice.transport.file.DirectorySource;
import io.sluice.transport.file.FileSink;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** Builds the sources and sinks a configuration names (see {@link Catalog#ENDPOINTS}). */
final class Endpoints {

    private Endpoints() {
    }

    static Source<Message> source(GatewayConfig.Endpoint e) {
        switch (e.type()) {
            case "generator":
                return generator(e.option("count", 1000), e.option("size", 18), e.option("interval", null));
            case "dir": {
                DirectorySource.Builder b = DirectorySource.builder(Path.of((String) e.option("path", ".")))
                        .concurrency(e.option("concurrency", 4));
                String glob = e.option("glob", null);
                if (glob != null) {
                    b.glob(glob);
                }
                Integer max = e.option("maxFileSize", null);
                if (max != null) {
                    b.maxFileSize(max);
                }
                return b.build();
            }
            default:
                throw new IllegalArgumentException("no source for type " + e.type());
        }
    }

    static Sink<Message> sink(GatewayConfig.Endpoint e, OutputStream stdout) {
        switch (e.type()) {
            case "file": {
                FileSink.Builder b = FileSink.builder(Path.of((String) e.option("path", "out.log")))
                        .format(FileSink.Format.valueOf(e.option("format", "newline").toString()
                                .toUpperCase(Locale.ROOT).replace('-', '_')))
                        .append(e.option("append", false));
                Integer buf = e.option("bufferSize", null);
                if (buf != null) {
                    b.bufferSize(buf);
                }
                Duration flush = e.option("flushInterval", null);
                if (flush != null) {
                    b.flushInterval(flush);
                }
                return b.build();
            }
            case "stdout":
                return messages -> messages.publishOn(Schedulers.boundedElastic(), 64)
                        .doOnNext(m -> writeLine(stdout, m))
                        .then();
            default:
                throw new IllegalArgumentException("no sink for type " + e.type());
        }
    }

    /** {@code count} messages of {@code size} bytes, as fast as demanded or one per {@code interval}. */
    static Source<Message> generator(int count, int size, Duration interval) {
        return () -> {
            Flux<Long> ticks = interval == null
                    ? Flux.range(0, count).map(Integer::longValue).subscribeOn(Schedulers.boundedElastic())
                    : Flux.interval(interval).take(count);
            return ticks.map(i -> {
                byte[] p = new byte[size];
                for (int j = 0; j < size; j++) {
                    p[j] = (byte) ('a' + (i + j) % 26);
                }
                return Message.builder().payload(p).sequence(i).build();
            });
        };
    }

    private static void writeLine(OutputStream out, Message m) {
        try {
            synchronized (out) {
                out.write(m.payload());
                out.write('\n');
                out.flush();
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
