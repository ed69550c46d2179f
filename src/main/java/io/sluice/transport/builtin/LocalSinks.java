package io.sluice.transport.builtin;

import io.sluice.Message;
import io.sluice.pipeline.Sink;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** The sinks that write nowhere or to the gateway's standard output. */
final class LocalSinks {

    private LocalSinks() {
    }

    /**
     * Drops every message. With a {@code delay}, takes them on a worker thread, pausing that long for
     * each (a simulated consumer, never on a network event loop); without one, on the thread that
     * delivers them, since a hand-off to a worker that then does nothing is not free (park/unpark were
     * 19% of an HTTP gateway's samples, benchmarks/results/peers-profile-2026-12-04).
     */
    static Sink<Message> discard(Duration delay) {
        long nanos = delay.toNanos();
        if (nanos == 0) {
            return Flux::then;
        }
        return messages -> messages.publishOn(Schedulers.boundedElastic(), 32)
                .doOnNext(m -> LockSupport.parkNanos(nanos))
                .then();
    }

    /** Writes each payload and a newline to {@code out}, flushed, on a worker thread. */
    static Sink<Message> stdout(OutputStream out) {
        return messages -> messages.publishOn(Schedulers.boundedElastic(), 64)
                .doOnNext(m -> writeLine(out, m))
                .then();
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
