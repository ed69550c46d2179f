package io.sluice.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.Message;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/** The built-in processing steps a configuration can name (see {@link Catalog#STEPS}). */
final class Steps {

    private static final JsonFactory JSON = new JsonFactory();

    private Steps() {
    }

    /**
     * @param step the validated step
     * @param filtered told of each message a step removes on purpose (filters, sampling, bad JSON);
     *     it acknowledges the message (a removed message is done, not lost)
     * @param stats creates the recorder of a {@code stats} step
     * @return the stage
     */
    static Function<Flux<Message>, Flux<Message>> build(GatewayConfig.Step step, java.util.function.Consumer<Message> filtered,
                                                        Function<GatewayConfig.Step, KeyedStats> stats) {
        Map<String, Object> o = step.options();
        switch (step.type()) {
            case "filter-header": {
                String name = (String) o.get("name");
                String equals = (String) o.get("equals");
                return f -> f.filter(m -> keep(m, m.header(name).map(v -> equals == null || equals.equals(v))
                        .orElse(false), filtered));
            }
            case "set-header": {
                String name = (String) o.get("name");
                String value = (String) o.get("value");
                return f -> f.map(m -> m.withHeader(name, value));
            }
            case "rename-header": {
                String from = (String) o.get("from");
                String to = (String) o.get("to");
                return f -> f.map(m -> rename(m, from, to));
            }
            case "sample": {
                int every = (Integer) o.get("every");
                return f -> Flux.defer(() -> {
                    AtomicLong n = new AtomicLong();
                    return f.filter(m -> keep(m, n.getAndIncrement() % every == 0, filtered));
                });
            }
            case "delay": {
                // Simulated processing cost, on a worker thread (never a network event loop): every
                // `every`-th message waits `per` (LockSupport.parkNanos: ~55 us at least on Linux, so a
                // cheap fine-grained pace is a longer pause once per many messages).
                long nanos = ((java.time.Duration) o.get("per")).toNanos();
                int every = o.get("every") instanceof Integer e ? e : 1;
                return f -> Flux.defer(() -> {
                    long[] seen = {0};
                    return f.publishOn(reactor.core.scheduler.Schedulers.boundedElastic(), 32).doOnNext(m -> {
                        if (++seen[0] % every == 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(nanos);
                        }
                    });
                });
            }
            case "stats": {
                KeyedStats recorder = stats.apply(step);
                return f -> f.doOnNext(recorder::record);
            }
            case "parse-json": {
                @SuppressWarnings("unchecked")
                Set<String> fields = new HashSet<>((List<String>) o.get("fields"));
                boolean fail = "fail".equals(o.get("onError"));
                return f -> f.handle((m, sink) -> {
                    try {
                        sink.next(jsonFieldsToHeaders(m, fields));
                    } catch (IOException | IllegalArgumentException e) {
                        if (fail) {
                            sink.error(new IllegalArgumentException("message " + m.sequence() + " is not a JSON object: "
                                    + e.getMessage(), e));
                        } else {
                            filtered.accept(m);
                        }
                    }
                });
            }
            default:
                throw new IllegalArgumentException("unknown step " + step.type());
        }
    }

    private static boolean keep(Message m, boolean keep, java.util.function.Consumer<Message> filtered) {
        if (!keep) {
            filtered.accept(m);
        }
        return keep;
    }

    private static Message rename(Message m, String from, String to) {
        return m.header(from).map(v -> {
            Map<String, String> h = new java.util.LinkedHashMap<>(m.headers());
            h.remove(from);
            h.put(to, v);
            Message.Builder b = Message.builder().payload(m.payload()).timestamp(m.timestamp())
                    .sequence(m.sequence()).key(m.key().orElse(null)).headers(h);
            return b.build();
        }).orElse(m);
    }

    /** Copies the top-level scalar fields named in {@code fields} of a JSON object payload into headers. */
    static Message jsonFieldsToHeaders(Message m, Set<String> fields) throws IOException {
        Message.Builder b = m.toBuilder();
        try (JsonParser p = JSON.createParser(m.payload())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("payload does not start with '{'");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    p.skipChildren();
                } else if (fields.contains(name) && v != JsonToken.VALUE_NULL) {
                    b.header(name, p.getText());
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new IllegalArgumentException("trailing content after the JSON object");
            }
        }
        return b.build();
    }
}
