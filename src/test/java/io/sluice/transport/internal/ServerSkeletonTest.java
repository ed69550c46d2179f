package io.sluice.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.transport.ServerSource;
import io.sluice.transport.Transports;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/** The skeleton's bind failure path, through the sources that use it. */
class ServerSkeletonTest {

    @Test
    void aFailedBindFailsTheFluxAndTheBoundAddressAtOnce() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            for (ServerSource source : new ServerSource[] {
                    Transports.tcp().port(port).source(), Transports.http().port(port).source(),
                    Transports.websocket().port(port).source(), Transports.grpc().port(port).source(),
                    Transports.rsocket().port(port).source()}) {
                AtomicReference<Throwable> failed = new AtomicReference<>();
                Disposable d = source.flux().subscribe(m -> { }, failed::set);
                try {
                    assertThatThrownBy(() -> source.boundAddress().block(Duration.ofSeconds(10)))
                            .as("%s: the bound address of a failed bind", source.getClass().getSimpleName())
                            .satisfies(e -> assertThat(String.valueOf(e.getMessage()))
                                    .doesNotContain("Timeout on blocking read"));
                    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (failed.get() == null && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    assertThat(failed.get()).as("%s: the flux failed", source.getClass().getSimpleName()).isNotNull();
                } finally {
                    d.dispose();
                }
            }
        }
    }
}
