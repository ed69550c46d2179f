package io.sluice.gateway;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

/** Ports for gateway tests: a free one, and whether a closed server gave its port back. */
public final class Ports {

    private Ports() {
    }

    /**
     * @return a TCP port on 127.0.0.1 that was free a moment ago
     * @throws IOException if none can be bound
     */
    public static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Tries (at most 10 s) to bind {@code port} on 127.0.0.1, as a server that has closed should let it.
     *
     * @param port a TCP port
     * @return true once it could be bound
     * @throws Exception if interrupted or binding fails for another reason
     */
    public static boolean released(int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (ServerSocket again = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
                return again.getLocalPort() == port;
            } catch (BindException stillBound) {
                Thread.sleep(20);
            }
        }
        return false;
    }
}
