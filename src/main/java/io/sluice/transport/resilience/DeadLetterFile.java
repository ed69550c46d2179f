package io.sluice.transport.resilience;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.Message;
import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.Flux;

/**
 * The dead-letter file: one JSON object per line for each message a sink's receiver refused for
 * good, with the reason: {@code {"time":..., "sink":"http 127.0.0.1:8080/ingest", "reason":"HTTP 400
 * from ...", "timestamp":..., "key":..., "headers":{...}, "payload":"<base64>"}}. Each record is
 * appended and flushed to the operating system by its own open-append-close, so the file can be
 * moved away (e.g. by {@code sluice dead-letter replay}) while a gateway runs: the next record
 * starts a new file. YAML: {@code deadLetter: {path: dead.log}} on a sink or a pipeline. Thread-safe.
 */
public final class DeadLetterFile {

    private static final JsonFactory JSON = new JsonFactory();

    private final Path path;
    private final LongAdder written = new LongAdder();

    /** @param path the file (created when the first message is written) */
    public DeadLetterFile(Path path) {
        this.path = Objects.requireNonNull(path, "path").toAbsolutePath().normalize();
    }

    /** @return the {@code deadLetter} option group of a sink or pipeline */
    public static OptionSpec option() {
        return OptionSpec.group("deadLetter", "file for messages the receiver refuses for good (JSON lines); present => on",
                OptionSpec.required("path", OptionType.STRING, "the dead-letter file (appended to)"));
    }

    /**
     * @param group a validated {@code deadLetter} group
     * @return the file it names
     */
    public static DeadLetterFile of(EndpointOptions group) {
        return new DeadLetterFile(Path.of(group.string("path")));
    }

    /** @return the file */
    public Path path() {
        return path;
    }

    /** @return messages written so far by this instance */
    public long written() {
        return written.sum();
    }

    /**
     * Appends one record and flushes it to the OS.
     *
     * @param sink the sink that refused it, as in events
     * @param reason why
     * @param m the message
     * @throws UncheckedIOException when the file cannot be written
     */
    public synchronized void write(String sink, String reason, Message m) {
        StringWriter line = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(line)) {
            g.writeStartObject();
            g.writeNumberField("time", System.currentTimeMillis());
            g.writeStringField("sink", sink);
            g.writeStringField("reason", reason);
            g.writeNumberField("timestamp", m.timestamp());
            if (m.key().isPresent()) {
                g.writeStringField("key", m.key().get());
            }
            g.writeObjectFieldStart("headers");
            for (Map.Entry<String, String> h : m.headers().entrySet()) {
                g.writeStringField(h.getKey(), h.getValue());
            }
            g.writeEndObject();
            g.writeFieldName("payload");
            g.writeBinary(m.payload());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        line.write('\n');
        try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE)) {
            out.write(line.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the dead-letter file " + path + ": " + e.getMessage(), e);
        }
        written.increment();
    }

    /**
     * Reads a dead-letter file back as messages (payload, key, headers, timestamp restored), lazily,
     * one line at a time.
     *
     * @param file a dead-letter file
     * @return its messages, in file order; errors naming the line when a line is not a record
     */
    public static Flux<Message> read(Path file) {
        return Flux.using(() -> Files.newBufferedReader(file, StandardCharsets.UTF_8),
                (BufferedReader r) -> Flux.fromStream(r.lines()).index()
                        .filter(t -> !t.getT2().isBlank())
                        .map(t -> parse(file, t.getT1() + 1, t.getT2())),
                r -> {
                    try {
                        r.close();
                    } catch (IOException ignored) {
                        // read-only
                    }
                });
    }

    private static Message parse(Path file, long lineNo, String line) {
        Message.Builder b = Message.builder();
        boolean payload = false;
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.getCurrentName();
                p.nextToken();
                switch (field) {
                    case "timestamp" -> b.timestamp(p.getLongValue());
                    case "key" -> b.key(p.getText());
                    case "payload" -> {
                        b.payload(p.getBinaryValue());
                        payload = true;
                    }
                    case "headers" -> {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String name = p.getCurrentName();
                            p.nextToken();
                            b.header(name, p.getText());
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " line " + lineNo + ": not a dead-letter record: " + e.getMessage(), e);
        }
        if (!payload) {
            throw new IllegalArgumentException(file + " line " + lineNo + ": not a dead-letter record: no payload");
        }
        return b.build();
    }
}
