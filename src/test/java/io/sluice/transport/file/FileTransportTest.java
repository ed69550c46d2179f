package io.sluice.transport.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineHandle;
import io.sluice.pipeline.Source;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

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

    /**
     * Records larger than all the write buffers together, empty ones and small ones, each awaiting an
     * acknowledgement, 4 x 8-byte buffers: the file holds every record whole and in order, and each
     * acknowledgement comes only once the file holds that message's record (checked in the callback).
     * The records that do not fit wait (held) until the disk worker frees a buffer: upstream is asked
     * for more only then, so what is outstanding stays bounded by the prefetch.
     */
    @Test
    void recordsLargerThanAllBuffersStayWholeInOrderAndAreAcknowledgedOnceWritten() throws Exception {
        Path out = tmp.resolve("acks.bin");
        int[] sizes = {3, 50, 0, 7, 100, 1, 33, 0, 8, 9, 200, 2};
        FileSink sink = FileSink.builder(out).bufferSize(8).prefetch(4).format(FileSink.Format.LENGTH_PREFIXED)
                .flushInterval(Duration.ofHours(1)).build();
        List<Integer> acked = new CopyOnWriteArrayList<>();
        List<String> early = new CopyOnWriteArrayList<>();
        long[] end = new long[sizes.length];
        long at = 0;
        for (int i = 0; i < sizes.length; i++) {
            at += 4 + sizes[i];
            end[i] = at;
        }
        AtomicInteger maxOutstanding = new AtomicInteger();
        AtomicInteger outstanding = new AtomicInteger();
        Flux<Message> msgs = Flux.range(0, sizes.length)
                .map(i -> Message.builder().payload(pattern(sizes[i])).ack(() -> {
                    long size = out.toFile().length();
                    if (size < end[i]) {
                        early.add("message " + i + " acknowledged with " + size + " of " + end[i] + " bytes written");
                    }
                    acked.add(i);
                }).build())
                .doOnRequest(n -> maxOutstanding.accumulateAndGet(outstanding.addAndGet((int) Math.min(n, 1 << 20)),
                        Math::max))
                .doOnNext(m -> outstanding.decrementAndGet());

        StepVerifier.create(sink.write(msgs)).expectComplete().verify(TIMEOUT);

        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(out));
        for (int n : sizes) {
            assertThat(all.getInt()).isEqualTo(n);
            byte[] p = new byte[n];
            all.get(p);
            assertThat(p).isEqualTo(pattern(n));
        }
        assertThat(all.hasRemaining()).isFalse();
        assertThat(early).isEmpty();
        assertThat(acked).containsExactlyElementsOf(IntStream.range(0, sizes.length).boxed().toList());
        assertThat(maxOutstanding.get()).as("requested ahead, at most the prefetch").isLessThanOrEqualTo(4);
        assertThat(sink.metrics().messages()).isEqualTo(sizes.length);
    }

    @Test
    void periodicFlushWritesAQuietStreamOnTheDefaultScheduler() throws Exception {
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
    void periodicFlushHappensExactlyOnceTheConfiguredIntervalHasPassed() throws Exception {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        Path out = tmp.resolve("interval.txt");
        // 64 KiB buffer: nothing here is size-triggered; the default interval (1 s) must not be used
        FileSink sink = FileSink.builder(out).flushInterval(Duration.ofSeconds(10)).scheduler(clock).build();
        Sinks.Many<Message> in = Sinks.many().unicast().onBackpressureBuffer();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicBoolean completed = new AtomicBoolean();
        sink.write(in.asFlux()).subscribe(null, failures::add, () -> completed.set(true));

        in.tryEmitNext(Message.ofUtf8("first"));
        assertThat(sink.metrics().messages()).isEqualTo(1);
        clock.advanceTimeBy(Duration.ofMillis(9_999));
        assertThat(readOrEmpty(out)).isEmpty();
        clock.advanceTimeBy(Duration.ofMillis(1));
        assertThat(readOrEmpty(out)).isEqualTo("first\n");

        // quiet for a while, then the interval counts from the first buffered write, not from the last flush
        clock.advanceTimeBy(Duration.ofSeconds(25));
        in.tryEmitNext(Message.ofUtf8("second"));
        clock.advanceTimeBy(Duration.ofSeconds(5));
        in.tryEmitNext(Message.ofUtf8("third"));
        clock.advanceTimeBy(Duration.ofMillis(4_999));
        assertThat(readOrEmpty(out)).isEqualTo("first\n");
        clock.advanceTimeBy(Duration.ofMillis(1));
        assertThat(readOrEmpty(out)).isEqualTo("first\nsecond\nthird\n");

        in.tryEmitComplete();
        assertThat(completed).isTrue();
        assertThat(failures).isEmpty();
    }

    @Test
    void dataLeftAfterASizeTriggeredFlushWaitsAtMostTheInterval() throws Exception {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        Path out = tmp.resolve("size-then-time.txt");
        FileSink sink = FileSink.builder(out).bufferSize(8).flushInterval(Duration.ofSeconds(10))
                .scheduler(clock).build();
        Sinks.Many<Message> in = Sinks.many().unicast().onBackpressureBuffer();
        var running = sink.write(in.asFlux()).subscribe();

        in.tryEmitNext(Message.ofUtf8("aaa")); // 4 bytes buffered at t=0
        clock.advanceTimeBy(Duration.ofSeconds(6));
        in.tryEmitNext(Message.ofUtf8("bbb")); // fits: 8 bytes buffered
        in.tryEmitNext(Message.ofUtf8("ccc")); // buffer full: "aaa\nbbb\n" written, "ccc\n" buffered at t=6 s
        assertThat(readOrEmpty(out)).isEqualTo("aaa\nbbb\n");
        clock.advanceTimeBy(Duration.ofMillis(9_999));
        assertThat(readOrEmpty(out)).isEqualTo("aaa\nbbb\n");
        clock.advanceTimeBy(Duration.ofMillis(1));
        assertThat(readOrEmpty(out)).isEqualTo("aaa\nbbb\nccc\n");
        running.dispose();
    }

    @Test
    void upstreamErrorFlushesWhatWasBufferedThenFails() throws IOException {
        Path out = tmp.resolve("error.txt");
        FileSink sink = FileSink.builder(out).flushInterval(Duration.ofHours(1)).build();
        Flux<Message> in = Flux.concat(Flux.just(Message.ofUtf8("a"), Message.ofUtf8("b")),
                Flux.error(new IllegalStateException("upstream broke")));

        StepVerifier.create(sink.write(in))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessage("upstream broke"))
                .verify(TIMEOUT);

        assertThat(readOrEmpty(out)).isEqualTo("a\nb\n");
        assertThat(sink.metrics().messages()).isEqualTo(2);
    }

    @Test
    void cancelFlushesImmediatelyOnTheSinksScheduler() throws IOException {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        Path out = tmp.resolve("cancel-vt.txt");
        FileSink sink = FileSink.builder(out).flushInterval(Duration.ofHours(1)).scheduler(clock).build();
        Sinks.Many<Message> in = Sinks.many().unicast().onBackpressureBuffer();
        var running = sink.write(in.asFlux()).subscribe();
        in.tryEmitNext(Message.ofUtf8("first"));
        in.tryEmitNext(Message.ofUtf8("second"));
        assertThat(readOrEmpty(out)).isEmpty();

        running.dispose();

        assertThat(readOrEmpty(out)).isEqualTo("first\nsecond\n");
        in.tryEmitNext(Message.ofUtf8("late"));
        clock.advanceTimeBy(Duration.ofHours(2));
        assertThat(readOrEmpty(out)).isEqualTo("first\nsecond\n");
    }

    @Test
    void pipelineStopFlushesWhatWasBuffered() throws Exception {
        Path out = tmp.resolve("stop.txt");
        FileSink sink = FileSink.builder(out).flushInterval(Duration.ofHours(1)).build();
        Sinks.Many<Message> in = Sinks.many().unicast().onBackpressureBuffer();
        PipelineHandle handle = Pipeline.from(Source.of(in.asFlux())).to(sink).start();
        in.tryEmitNext(Message.ofUtf8("first"));
        in.tryEmitNext(Message.ofUtf8("second"));
        awaitMessages(sink, 2);
        assertThat(readOrEmpty(out)).isEmpty(); // still buffered

        handle.stop(TIMEOUT).block(TIMEOUT);

        assertThat(readOrEmpty(out)).isEqualTo("first\nsecond\n");
    }

    @Test
    void cancelFlushesWhatWasBufferedAndClosesTheFile() throws Exception {
        Path out = tmp.resolve("cancel.txt");
        FileSink sink = FileSink.builder(out).flushInterval(Duration.ofHours(1)).build();
        Sinks.Many<Message> in = Sinks.many().unicast().onBackpressureBuffer();
        var running = sink.write(in.asFlux()).subscribe();
        in.tryEmitNext(Message.ofUtf8("first"));
        in.tryEmitNext(Message.ofUtf8("second"));
        awaitMessages(sink, 2);
        assertThat(readOrEmpty(out)).isEmpty(); // still in the 64 KiB buffer

        running.dispose();

        awaitContent(out, "first\nsecond\n");
        assertThat(readOrEmpty(out)).isEqualTo("first\nsecond\n");
    }

    private static void awaitMessages(FileSink sink, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (sink.metrics().messages() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(sink.metrics().messages()).isEqualTo(n);
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
    void atMostConcurrencyListingsAndReadsRunAtOnceAcrossADeepTree() {
        int concurrency = 3;
        Path root = tmp.resolve("virtual");
        Map<Path, List<FileAccess.Entry>> tree = new HashMap<>();
        int files = tree(tree, root, 4, 3, 3);
        ProbingAccess probe = new ProbingAccess(tree, root);
        DirectorySource source = DirectorySource.builder(root).concurrency(concurrency).access(probe).build();

        List<Message> got = source.flux().collectList().block(TIMEOUT);

        assertThat(got).hasSize(files);
        assertThat(files).isEqualTo(3 * (1 + 3 + 9 + 27 + 81));
        assertThat(probe.operations.get()).isEqualTo(files + tree.size());
        assertThat(probe.maxInFlight.get()).as("listings + reads in flight at once")
                .isLessThanOrEqualTo(concurrency)
                .isGreaterThan(1);
    }

    @Test
    void noReadStartsAfterTheFirstErrorAndTheErrorNamesThePath() {
        Path root = tmp.resolve("virtual");
        Map<Path, List<FileAccess.Entry>> tree = new HashMap<>();
        List<FileAccess.Entry> top = new ArrayList<>();
        for (int f = 0; f < 200; f++) {
            top.add(new FileAccess.Entry(root.resolve("f" + f), false));
            if (f == 9) {
                top.add(new FileAccess.Entry(root.resolve("bad"), false));
            }
        }
        top.add(new FileAccess.Entry(root.resolve("sub"), true));
        tree.put(root, top);
        tree.put(root.resolve("sub"), List.of(new FileAccess.Entry(root.resolve("sub/g"), false)));
        Path bad = root.resolve("bad");
        RecordingAccess access = new RecordingAccess(tree, bad, null);
        // immediate scheduler: listings and reads run in subscription order, so "after" is well defined
        DirectorySource source = DirectorySource.builder(root).concurrency(4).access(access)
                .scheduler(Schedulers.immediate()).build();
        List<Message> got = new ArrayList<>();

        StepVerifier.create(source.flux())
                .thenConsumeWhile(m -> true, got::add)
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(UncheckedIOException.class)
                        .hasMessageContaining(bad.toString())
                        .hasRootCauseInstanceOf(AccessDeniedException.class))
                .verify(TIMEOUT);

        assertThat(access.started).contains(bad);
        assertThat(access.started.get(access.started.size() - 1)).as("last read started").isEqualTo(bad);
        assertThat(got).hasSize(access.started.size() - 1).hasSizeLessThan(201);
        assertThat(source.metrics().errors()).isEqualTo(1);
    }

    @Test
    void firstErrorCancelsParallelReadsStillInFlight() throws Exception {
        Path root = tmp.resolve("virtual");
        Map<Path, List<FileAccess.Entry>> tree = new HashMap<>();
        Path bad = root.resolve("bad");
        List<FileAccess.Entry> top = new ArrayList<>();
        top.add(new FileAccess.Entry(bad, false));
        for (int f = 0; f < 1000; f++) {
            top.add(new FileAccess.Entry(root.resolve("f" + f), false));
        }
        tree.put(root, top);
        CountDownLatch gate = new CountDownLatch(1); // good reads block until the error was seen
        RecordingAccess access = new RecordingAccess(tree, bad, gate);
        DirectorySource source = DirectorySource.builder(root).concurrency(4).access(access).build();
        try {
            StepVerifier.create(source.flux())
                    .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining(bad.toString()))
                    .verify(TIMEOUT);
            int startedAtError = access.started.size();
            assertThat(startedAtError).isLessThanOrEqualTo(4);
            assertThat(access.started).contains(bad);

            gate.countDown();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (access.finished.get() < access.started.size() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(access.finished.get()).isEqualTo(access.started.size());
            assertThat(access.started).hasSize(startedAtError);
            assertThat(source.metrics().errors()).isEqualTo(1);
        } finally {
            gate.countDown();
        }
    }

    @Test
    void walkErrorFailsThePipelineWithThePath() throws IOException {
        Files.writeString(tmp.resolve("ok"), "x");
        Files.write(tmp.resolve("big"), new byte[2048]);
        Path out = tmp.resolve("sub").resolve("out.txt");
        PipelineHandle handle = Pipeline.from(DirectorySource.builder(tmp).glob("{ok,big}").maxFileSize(1024).build())
                .to(FileSink.builder(out).build())
                .start();

        StepVerifier.create(handle.done())
                .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining(tmp.resolve("big").toString()))
                .verify(TIMEOUT);
    }

    /**
     * Builds a virtual tree: every directory has {@code files} files and, above the bottom,
     * {@code dirs} sub-directories.
     */
    private static int tree(Map<Path, List<FileAccess.Entry>> tree, Path dir, int depth, int dirs, int files) {
        List<FileAccess.Entry> entries = new ArrayList<>();
        int count = files;
        if (depth > 0) {
            for (int d = 0; d < dirs; d++) {
                Path sub = dir.resolve("d" + d);
                entries.add(new FileAccess.Entry(sub, true));
                count += tree(tree, sub, depth - 1, dirs, files);
            }
        }
        for (int f = 0; f < files; f++) {
            entries.add(new FileAccess.Entry(dir.resolve("f" + f), false));
        }
        tree.put(dir, entries);
        return count;
    }

    private static List<FileAccess.Entry> listing(Map<Path, List<FileAccess.Entry>> tree, Path dir)
            throws NoSuchFileException {
        List<FileAccess.Entry> e = tree.get(dir);
        if (e == null) {
            throw new NoSuchFileException(dir.toString());
        }
        return e;
    }

    /** Counts listings and reads in flight; each one holds briefly so that an unbounded walk piles them up. */
    private static final class ProbingAccess implements FileAccess {
        final Map<Path, List<Entry>> tree;
        final Path root;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final AtomicInteger operations = new AtomicInteger();
        final CountDownLatch overlapped = new CountDownLatch(1);

        ProbingAccess(Map<Path, List<Entry>> tree, Path root) {
            this.tree = tree;
            this.root = root;
        }

        @Override
        public List<Entry> list(Path dir) throws IOException {
            enter(!dir.equals(root));
            try {
                return listing(tree, dir);
            } finally {
                inFlight.decrementAndGet();
            }
        }

        @Override
        public byte[] read(Path file, long maxFileSize) {
            enter(true);
            try {
                return file.toString().getBytes(StandardCharsets.UTF_8);
            } finally {
                inFlight.decrementAndGet();
            }
        }

        private void enter(boolean mayOverlap) {
            operations.incrementAndGet();
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            if (now > 1) {
                overlapped.countDown();
            }
            try {
                if (mayOverlap) {
                    // the first time, wait (bounded) for a second operation to arrive;
                    // a sequential walk never sends one
                    overlapped.await(5, TimeUnit.SECONDS);
                }
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Records listings and read starts; reading {@code bad} fails, other reads wait for {@code gate} if given. */
    private static final class RecordingAccess implements FileAccess {
        final Map<Path, List<Entry>> tree;
        final Path bad;
        final CountDownLatch gate;
        final List<Path> started = new CopyOnWriteArrayList<>();
        final List<Path> listed = new CopyOnWriteArrayList<>();
        final AtomicInteger finished = new AtomicInteger();

        RecordingAccess(Map<Path, List<Entry>> tree, Path bad, CountDownLatch gate) {
            this.tree = tree;
            this.bad = bad;
            this.gate = gate;
        }

        @Override
        public List<Entry> list(Path dir) throws IOException {
            listed.add(dir);
            return listing(tree, dir);
        }

        @Override
        public byte[] read(Path file, long maxFileSize) throws IOException {
            started.add(file);
            try {
                if (file.equals(bad)) {
                    throw new AccessDeniedException(file.toString());
                }
                if (gate != null && !gate.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IOException("gate not opened");
                }
                return file.toString().getBytes(StandardCharsets.UTF_8);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } finally {
                finished.incrementAndGet();
            }
        }
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
