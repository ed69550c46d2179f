package io.sluice.gateway;

import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.Transports;
import io.sluice.transport.grpc.GrpcBuilder;
import io.sluice.transport.http.HttpBuilder;
import io.sluice.transport.rsocket.RSocketBuilder;
import io.sluice.transport.zmq.ZmqBuilder;
import io.sluice.transport.tcp.Framing;
import io.sluice.transport.tcp.TcpBuilder;
import io.sluice.transport.udp.UdpBuilder;
import io.sluice.transport.websocket.WebSocketBuilder;
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

    static Source<Message> source(GatewayConfig.Endpoint e, EventDispatcher events) {
        switch (e.type()) {
            case "generator":
                return generator(e.option("count", 1000), e.option("size", 18), e.option("interval", null),
                        e.option("rate", null), e.option("devices", null));
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
            case "tcp":
                return tcp(e, events).source();
            case "udp":
                return udp(e, events).source();
            case "http":
                return http(e, events).source();
            case "websocket":
                return websocket(e, events).source();
            case "grpc":
                return grpc(e, events).source();
            case "rsocket":
                return rsocket(e, events).source();
            case "zmq-pull":
                return zmq(e, events, true).pullSource();
            case "zmq-sub": {
                java.util.List<String> topics = e.option("topics", java.util.List.of(""));
                return zmq(e, events, true).subscribe(topics.toArray(new String[0])).subSource();
            }
            default:
                throw new IllegalArgumentException("no source for type " + e.type());
        }
    }

    static Sink<Message> sink(GatewayConfig.Endpoint e, OutputStream stdout, EventDispatcher events) {
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
            case "discard": {
                Duration delay = e.option("delay", Duration.ZERO);
                long nanos = delay.toNanos();
                return messages -> messages.publishOn(Schedulers.boundedElastic(), 32)
                        .doOnNext(m -> {
                            if (nanos > 0) {
                                java.util.concurrent.locks.LockSupport.parkNanos(nanos);
                            }
                        })
                        .then();
            }
            case "stdout":
                return messages -> messages.publishOn(Schedulers.boundedElastic(), 64)
                        .doOnNext(m -> writeLine(stdout, m))
                        .then();
            case "tcp":
                return tcp(e, events).sink();
            case "udp":
                return udp(e, events).sink();
            case "http":
                return http(e, events).sink();
            case "websocket":
                return websocket(e, events).sink();
            case "grpc":
                return grpc(e, events).sink();
            case "rsocket":
                return rsocket(e, events).sink();
            case "zmq-push":
                return zmq(e, events, false).pushSink();
            case "zmq-pub":
                return zmq(e, events, false).pubSink();
            default:
                throw new IllegalArgumentException("no sink for type " + e.type());
        }
    }

    private static TcpBuilder tcp(GatewayConfig.Endpoint e, EventDispatcher events) {
        TcpBuilder b = Transports.tcp().host(e.option("host", "127.0.0.1")).port(e.<Integer>option("port", 0))
                .framing("length-prefixed".equals(e.option("framing", "newline")) ? Framing.lengthPrefixed()
                        : Framing.newline())
                .events(events);
        Integer maxFrame = e.option("maxFrame", null);
        if (maxFrame != null) {
            b.maxFrameLength(maxFrame);
        }
        Integer maxConnections = e.option("maxConnections", null);
        if (maxConnections != null) {
            b.maxConnections(maxConnections);
        }
        return b;
    }

    private static UdpBuilder udp(GatewayConfig.Endpoint e, EventDispatcher events) {
        return Transports.udp().host(e.option("host", "127.0.0.1")).port(e.<Integer>option("port", 0))
                .sequenced(e.option("sequenced", true)).events(events);
    }

    private static HttpBuilder http(GatewayConfig.Endpoint e, EventDispatcher events) {
        HttpBuilder b = Transports.http().host(e.option("host", "127.0.0.1")).port(e.<Integer>option("port", 0))
                .path(e.option("path", "/ingest")).events(events);
        Integer maxBody = e.option("maxBody", null);
        if (maxBody != null) {
            b.maxBodySize(maxBody);
        }
        Integer concurrency = e.option("concurrency", null);
        if (concurrency != null) {
            b.concurrency(concurrency);
        }
        return b;
    }

    private static GrpcBuilder grpc(GatewayConfig.Endpoint e, EventDispatcher events) {
        GrpcBuilder b = Transports.grpc().host(e.option("host", "127.0.0.1")).port(e.<Integer>option("port", 0))
                .mode("unary".equals(e.option("mode", "stream")) ? GrpcBuilder.Mode.UNARY : GrpcBuilder.Mode.STREAM)
                .events(events);
        Integer max = e.option("maxMessageSize", null);
        if (max != null) {
            b.maxMessageSize(max);
        }
        return b;
    }

    private static RSocketBuilder rsocket(GatewayConfig.Endpoint e, EventDispatcher events) {
        return Transports.rsocket().host(e.option("host", "127.0.0.1")).port(e.<Integer>option("port", 0))
                .mode(switch (e.<String>option("mode", "channel")) {
                    case "fire-and-forget" -> RSocketBuilder.Mode.FIRE_AND_FORGET;
                    case "stream" -> RSocketBuilder.Mode.STREAM;
                    default -> RSocketBuilder.Mode.CHANNEL;
                })
                .webSocket(e.<Boolean>option("webSocket", false))
                .events(events);
    }

    /** Receiving sockets bind by default and sending ones connect, unless {@code bind} says otherwise. */
    private static ZmqBuilder zmq(GatewayConfig.Endpoint e, EventDispatcher events, boolean receiving) {
        return Transports.zmq().endpoint(e.option("endpoint", "tcp://127.0.0.1:5555"))
                .bind(e.option("bind", receiving)).events(events);
    }

    private static WebSocketBuilder websocket(GatewayConfig.Endpoint e, EventDispatcher events) {
        WebSocketBuilder b = Transports.websocket().host(e.option("host", "127.0.0.1"))
                .port(e.<Integer>option("port", 0)).path(e.option("path", "/ws")).events(events);
        Integer maxFrame = e.option("maxFrame", null);
        if (maxFrame != null) {
            b.maxFrameLength(maxFrame);
        }
        return b;
    }

    /**
     * {@code count} messages of {@code size} bytes: as fast as demanded, one per {@code interval},
     * or about {@code rate} per second.
     */
    static Source<Message> generator(int count, int size, Duration interval, Integer rate, Integer devices) {
        return () -> {
            Flux<Long> ticks;
            if (rate != null) {
                // rate/100 messages every 10 ms; ticks the consumer cannot take yet are skipped, so a
                // backpressured generator sends less rather than buffering.
                long perTick = Math.max(1, rate / 100);
                ticks = Flux.interval(Duration.ofMillis(10)).onBackpressureDrop()
                        .concatMap(t -> Flux.range(0, (int) perTick).map(i -> t * perTick + i), 1)
                        .take(count);
            } else if (interval != null) {
                ticks = Flux.interval(interval).onBackpressureDrop().take(count);
            } else {
                ticks = Flux.range(0, count).map(Integer::longValue).subscribeOn(Schedulers.boundedElastic());
            }
            if (devices != null) {
                return ticks.map(i -> telemetry(i, devices));
            }
            return ticks.map(i -> {
                byte[] p = new byte[size];
                for (int j = 0; j < size; j++) {
                    p[j] = (byte) ('a' + (i + j) % 26);
                }
                return Message.builder().payload(p).sequence(i).build();
            });
        };
    }

    /**
     * A JSON reading of device {@code i % devices}: {@code {"device":"device-3","temp":21.37,"seq":42}};
     * each device's temperature follows its own slow sine around a per-device base.
     */
    static Message telemetry(long i, int devices) {
        int d = (int) (i % devices);
        double temp = 18 + d + 3 * Math.sin(i / (double) (devices * 50) + d);
        String json = String.format(Locale.ROOT, "{\"device\":\"device-%d\",\"temp\":%.2f,\"seq\":%d}", d, temp, i);
        return Message.builder().payload(json.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .key("device-" + d).sequence(i).build();
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
