package io.sluice.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.cli.SluiceCli;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: {@code kill -HUP} makes a real {@code sluice run} re-read its certificate files at once
 * (the periodic check is an hour away here): a connection made after the signal gets the new
 * certificate, one made before it the old one.
 */
class SighupReloadTest {

    @TempDir
    Path dir;

    @Test
    void sighupReReadsTheCertificateFilesOfABoundSource() throws Exception {
        TestPki pki = new TestPki("CA");
        Path ca = pki.writeCa(dir, "ca");
        TestPki.Issued first = pki.localhost("first");
        TestPki.Files2 files = first.write(dir, "server");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path config = Files.writeString(dir.resolve("gw.yaml"), "pipelines:\n"
                + "  - name: secure\n"
                + "    source: {type: tcp, host: 127.0.0.1, port: " + port + ", framing: newline,\n"
                + "             tls: {cert: '" + files.cert() + "', key: '" + files.key() + "', reloadInterval: 1h}}\n"
                + "    sink: {type: discard}\n");
        Path log = dir.resolve("gateway.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process gateway = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                SluiceCli.class.getName(), "run", config.toString())).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            await(() -> serial(ca, port) != null, "the gateway serves TLS");
            assertThat(serial(ca, port)).isEqualTo(first.serial());

            TestPki.Issued second = pki.localhost("second");
            second.write(dir, "server");
            // the files changed, but nothing re-reads them for an hour: still the first certificate
            assertThat(serial(ca, port)).isEqualTo(first.serial());

            // the handler is installed once the gateway has started, which is after the port serves TLS: a
            // SIGHUP before it would end the JVM (the JVM's own SIGHUP handling runs the shutdown hooks)
            await(() -> logContains(log, "SIGHUP handler installed") || logContains(log, "SIGHUP is ignored"),
                    "the gateway installed its SIGHUP handler");
            // a JVM started with SIGHUP ignored (this test run under nohup) keeps it ignored: nothing to test
            org.junit.jupiter.api.Assumptions.assumeFalse(logContains(log, "SIGHUP is ignored"),
                    "SIGHUP is ignored in this process tree (nohup); the gateway said so");
            hup(gateway.pid());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!second.serial().equals(serial(ca, port))) {
                assertThat(System.nanoTime()).as("no new certificate 60 s after SIGHUP; gateway log:%n%s", logTail(log))
                        .isLessThan(deadline);
                Thread.sleep(100);
            }
            assertThat(Files.readString(log)).contains("SIGHUP: re-read the certificate and token files of 1 source(s)");
            assertThat(gateway.isAlive()).as("SIGHUP does not stop the gateway").isTrue();
        } finally {
            gateway.destroy();
            gateway.waitFor(30, TimeUnit.SECONDS);
            gateway.destroyForcibly();
        }
    }

    /** @return the serial of the certificate the server presents to a new connection, or null when it does not answer */
    private static BigInteger serial(Path ca, int port) {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            try (var in = Files.newInputStream(ca)) {
                trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.setSoTimeout(5_000);
                s.startHandshake();
                return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
            }
        } catch (Exception notYet) {
            return null;
        }
    }

    /** Sends SIGHUP with the shell's own kill (no procps package needed on a fresh machine). */
    private static void hup(long pid) throws Exception {
        Process hup = new ProcessBuilder("/bin/sh", "-c", "kill -HUP " + pid).start();
        assertThat(hup.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(hup.exitValue()).isZero();
    }

    private static String logTail(Path log) {
        try {
            String text = Files.readString(log);
            return text.substring(Math.max(0, text.length() - 6000));
        } catch (java.io.IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static boolean logContains(Path log, String text) {
        try {
            return Files.readString(log).contains(text);
        } catch (java.io.IOException | java.io.UncheckedIOException notYet) {
            return false;
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting until %s", what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
