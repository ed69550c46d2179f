package io.sluice.transport.zmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.transport.Transports;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * A ZeroMQ socket that cannot bind fails at once with the reason spelled out (JeroMQ itself says
 * only "Errno 48") and leaves no socket thread behind; the gateway side is {@code BindFailureTest}.
 */
class ZmqBindFailureTest {

    private static Set<String> socketThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("sluice-zmq"))
                .map(t -> t.getName() + "#" + t.getId()).collect(Collectors.toSet());
    }

    private static void awaitNoNewSocketThreads(Set<String> before) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!before.containsAll(socketThreads()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(socketThreads()).as("ZeroMQ socket threads left running").isSubsetOf(before);
    }

    @Test
    @Timeout(30)
    void aRepServerThatCannotBindFailsStartWithTheReason() throws Exception {
        Set<String> before = socketThreads();
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String endpoint = "tcp://127.0.0.1:" + taken.getLocalPort();
            long start = System.nanoTime();
            assertThatThrownBy(() -> Transports.zmq().endpoint(endpoint).replyServer(Mono::just).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot bind " + endpoint + ": Address already in use");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        }
        awaitNoNewSocketThreads(before);
    }

    @Test
    @Timeout(30)
    void aPullSourceThatCannotBindEndsItsFluxWithTheReason() throws Exception {
        Set<String> before = socketThreads();
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String endpoint = "tcp://127.0.0.1:" + taken.getLocalPort();
            StepVerifier.create(Transports.zmq().endpoint(endpoint).pullSource().flux())
                    .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining(
                            "cannot bind " + endpoint + ": Address already in use"))
                    .verify(Duration.ofSeconds(1));
        }
        awaitNoNewSocketThreads(before);
    }
}
