package io.sluice.persist;

import io.sluice.Message;
import io.sluice.overflow.Overflow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;
import org.testng.annotations.AfterMethod;
import reactor.core.publisher.Flux;

/**
 * Reactive Streams TCK (publisher rules) for the persistent stage: each publisher is a fresh log
 * directory behind {@code Overflow.persistent}, with batched appends published by the stage's timer
 * thread and downstream requests served on its I/O thread. Endless upstreams (rule 3.17) are a 1 ms
 * ticker: the stage subscribes upstream on its I/O thread, which a synchronous endless generator
 * would never leave.
 */
public class PersistentTckTest extends PublisherVerification<Message> {

    private final List<PersistentOverflow> opened = new CopyOnWriteArrayList<>();

    public PersistentTckTest() {
        super(new TestEnvironment(2000, 300));
    }

    @Override
    public long maxElementsFromPublisher() {
        return Long.MAX_VALUE - 1;
    }

    @Override
    public Publisher<Message> createPublisher(long elements) {
        Flux<Message> upstream = elements <= 4096
                ? Flux.range(0, (int) elements).map(PersistentTckTest::msg)
                : Flux.interval(Duration.ofMillis(1)).map(i -> msg(i.intValue()));
        return upstream.transform(open());
    }

    @Override
    public Publisher<Message> createFailedPublisher() {
        return Flux.<Message>error(new IllegalStateException("failed on purpose")).transform(open());
    }

    @AfterMethod
    public void closeLogs() throws IOException {
        for (PersistentOverflow p : opened) {
            p.close();
        }
        opened.clear();
    }

    private PersistentOverflow open() {
        try {
            PersistentOverflow p = Overflow.persistent(Files.createTempDirectory("sluice-tck")).build();
            opened.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Message msg(int i) {
        return Message.builder().payload(Integer.toString(i).getBytes(java.nio.charset.StandardCharsets.UTF_8)).build();
    }
}
