package io.sluice.persist;

import io.sluice.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/**
 * The child JVM of {@link ProcessKillTest}: appends messages "0", "1", ... through a persistent
 * stage with {@link Fsync#ALWAYS} and prints {@code ACK id} once the stage reports the record
 * durable, until it is killed. Its consumer never requests, so nothing is acknowledged.
 */
final class KillTarget {

    private KillTarget() {
    }

    public static void main(String[] args) throws Exception {
        PersistentOverflow stage = new PersistentBuilder(Path.of(args[0])).fsync(Fsync.ALWAYS)
                .segmentBytes(64 * 1024).maxBytes(1L << 30).prefetch(1).build();
        if (stage.records() != 0) {
            throw new IllegalStateException("expected an empty directory");
        }
        Flux<Message> up = Flux.generate(() -> 0L, (id, sink) -> {
            // the stage acknowledges towards the source once the record's batch is written and forced
            // (Fsync.ALWAYS); offsets start at 0 in a fresh directory
            sink.next(Message.builder().payload(Long.toString(id).getBytes(StandardCharsets.UTF_8))
                    .ack(() -> {
                        synchronized (System.out) {
                            System.out.println("ACK " + id);
                            System.out.flush();
                        }
                    }).build());
            return id + 1;
        });
        up.transform(stage).subscribe(new BaseSubscriber<Message>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                // no demand: every record stays unacknowledged on disk
            }
        });
        Thread.sleep(Long.MAX_VALUE);
    }
}
