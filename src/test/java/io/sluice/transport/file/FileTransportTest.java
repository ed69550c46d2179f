package io.sluice.transport.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.pipeline.Pipeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class FileTransportTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void newlineSinkWritesEveryPayloadInOrder() throws IOException {
        Path out = tmp.resolve("out.txt");
        FileSink sink = FileSink.builder(out).bufferSize(100).build();
        List<String> lines = IntStream.range(0, 5000).mapToObj(i -> "line-" + i).collect(Collectors.toList());

        StepVerifier.create(sink.write(Flux.fromIterable(lines).map(Message::ofUtf8))).verifyComplete();

        assertThat(Files.readAllLines(out)).isEqualTo(lines);
        assertThat(sink.metrics().messages()).isEqualTo(5000);
    }

    @Test
    void lengthPrefixedSinkHandlesPayloadsLargerThanTheBuffer() throws IOException {
        Path out = tmp.resolve("out.bin");
        int[] sizes = {18, 4266, 6786, 79435};
        FileSink sink = FileSink.builder(out).bufferSize(8192).format(FileSink.Format.LENGTH_PREFIXED).build();
        Flux<Message> msgs = Flux.fromStream(java.util.Arrays.stream(sizes).boxed())
                .map(n -> Message.of(pattern(n)));
        StepVerifier.create(sink.write(msgs)).verifyComplete();

        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(out));
        for (int n : sizes) {
            assertThat(all.getInt()).isEqualTo(n);
            byte[] p = new byte[n];
            all.get(p);
            assertThat(p).isEqualTo(pattern(n));
        }
        assertThat(all.hasRemaining()).isFalse();
    }

    @Test
    void periodicFlushWritesAQuietStream() throws Exception {
        Path out = tmp.resolve("quiet.txt");
        FileSink sink = FileSink.builder(out).flushInterval(Duration.ofMillis(50)).build();
        Sinks.Many<Message> in = Sinks.many().unicast().onBackpressureBuffer();
        var running = sink.write(in.asFlux()).subscribe();
        in.tryEmitNext(Message.ofUtf8("first"));

        awaitContent(out, "first\n");
        assertThat(readOrEmpty(out)).isEqualTo("first\n");
        running.dispose();
    }

    @Test
    void cancelFlushesWhatWasBufferedAndClosesTheFile() throws Exception {
        Path out = tmp.resolve("cancel.txt");
        FileSink sink = FileSink.builder(out).flushInterval(Duration.ofHours(1)).build();
        Sinks.Many<Message> in = Sinks.many().unicast().onBackpressureBuffer();
        var running = sink.write(in.asFlux()).subscribe();
        in.tryEmitNext(Message.ofUtf8("first"));
        in.tryEmitNext(Message.ofUtf8("second"));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (sink.metrics().messages() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(readOrEmpty(out)).isEmpty(); // still in the 64 KiB buffer

        running.dispose();

        awaitContent(out, "first\nsecond\n");
        assertThat(readOrEmpty(out)).isEqualTo("first\nsecond\n");
    }

    private static void awaitContent(Path out, String expected) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!readOrEmpty(out).equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void directorySourceReadsTheWholeTree() throws IOException {
        Map<String, String> expected = new HashMap<>();
        for (int d = 0; d < 5; d++) {
            Path dir = Files.createDirectories(tmp.resolve("d" + d).resolve("sub" + d));
            for (int f = 0; f < 20; f++) {
                Path file = dir.resolve("f" + f + ".log");
                String content = "content " + d + "/" + f;
                Files.writeString(file, content);
                expected.put(tmp.relativize(file).toString(), content);
            }
            Files.writeString(dir.resolve("skip.tmp"), "ignored");
        }
        DirectorySource source = DirectorySource.builder(tmp).concurrency(3).glob("*.log").build();

        List<Message> got = source.flux().collectList().block(TIMEOUT);

        assertThat(got).hasSize(100);
        Map<String, String> actual = got.stream().collect(Collectors.toMap(
                m -> m.header("path").orElseThrow(), Message::payloadUtf8));
        assertThat(actual).isEqualTo(expected);
        assertThat(source.metrics().messages()).isEqualTo(100);
    }

    @Test
    void firstErrorCancelsTheWalkAndIsReported() throws IOException {
        for (int f = 0; f < 50; f++) {
            Files.writeString(tmp.resolve("ok" + f), "x");
        }
        Files.write(tmp.resolve("big"), new byte[2048]);
        DirectorySource source = DirectorySource.builder(tmp).maxFileSize(1024).build();

        StepVerifier.create(source.flux())
                .thenConsumeWhile(m -> true)
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(UncheckedIOException.class)
                        .hasMessageContaining("big").hasMessageContaining("maximum 1024"))
                .verify(TIMEOUT);
        assertThat(source.metrics().errors()).isEqualTo(1);
    }

    @Test
    void missingRootIsAnError() {
        StepVerifier.create(DirectorySource.builder(tmp.resolve("nope")).build().flux())
                .expectError(java.nio.file.NoSuchFileException.class)
                .verify(TIMEOUT);
    }

    @Test
    void directoryToFilePipelineCopiesEveryFile() throws IOException {
        Path in = Files.createDirectories(tmp.resolve("in"));
        for (int f = 0; f < 30; f++) {
            Files.writeString(in.resolve("m" + f), "msg" + f);
        }
        Path out = tmp.resolve("out.txt");
        Pipeline.from(DirectorySource.builder(in).build())
                .to(FileSink.builder(out).build())
                .start().done().block(TIMEOUT);
        assertThat(Files.readAllLines(out)).hasSize(30)
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 30).mapToObj(i -> "msg" + i)
                        .collect(Collectors.toList()));
    }

    private static String readOrEmpty(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + n);
        }
        return b;
    }
}
