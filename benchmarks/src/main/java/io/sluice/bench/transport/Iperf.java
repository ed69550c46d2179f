package io.sluice.bench.transport;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The loopback limit: one iperf3 TCP stream over 127.0.0.1, received bytes per second. */
final class Iperf {
    private static final Pattern RECEIVED = Pattern.compile(
            "\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)", Pattern.DOTALL);

    private Iperf() {
    }

    /** @return received bytes per second, or -1 when iperf3 is missing or failed (reason printed) */
    static double bytesPerSecond(int seconds) {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        } catch (IOException e) {
            return fail(e.toString());
        }
        Process server = null;
        try {
            server = new ProcessBuilder("iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            for (int attempt = 0; attempt < 50; attempt++) {
                Process client = new ProcessBuilder("iperf3", "-J", "-c", "127.0.0.1", "-p", Integer.toString(port),
                        "-t", Integer.toString(seconds)).redirectErrorStream(true).start();
                String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!client.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
                    client.destroyForcibly();
                    return fail("iperf3 client timed out");
                }
                Matcher m = RECEIVED.matcher(out);
                if (m.find()) {
                    return Double.parseDouble(m.group(1)) / 8;
                }
                if (!out.contains("Connection refused") && !out.contains("unable to connect")) {
                    return fail(out);
                }
                Thread.sleep(100);
            }
            return fail("iperf3 server did not start");
        } catch (IOException e) {
            return fail("iperf3 not runnable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        } finally {
            if (server != null) {
                server.destroyForcibly();
            }
        }
    }

    private static double fail(String reason) {
        System.out.println("iperf3 baseline unavailable: " + reason);
        return -1;
    }
}
