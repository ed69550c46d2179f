package io.sluice.transport.tls;

import io.sluice.Message;
import io.sluice.transport.ServerSource;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import reactor.core.Disposable;

/** A server source subscribed for a test: what it received, its bound port; closing unbinds. */
final class Received implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(10);

    final List<Message> messages = new CopyOnWriteArrayList<>();
    final int port;
    private final Disposable subscription;

    Received(ServerSource source) {
        this.subscription = source.flux().subscribe(messages::add, e -> { });
        InetSocketAddress a = source.boundAddress().block(WAIT);
        this.port = a.getPort();
    }

    /** Waits (bounded) for at least {@code n} messages. */
    List<Message> await(int n) throws InterruptedException {
        until(() -> messages.size() >= n, "messages: " + n + ", got " + messages.size());
        return messages;
    }

    /** Waits at most {@link #WAIT} for the condition. */
    static void until(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        subscription.dispose();
    }
}
