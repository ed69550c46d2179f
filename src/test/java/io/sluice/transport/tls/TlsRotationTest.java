package io.sluice.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.transport.tls.TlsOptions.Engine;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Certificate rotation without restart: files replaced while a client holds a connection; new
 * connections get the new certificate (checked by serial), the open one keeps working; a bad new file
 * keeps the old certificate with one ERROR line; reload on demand.
 */
class TlsRotationTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(names = {"OPENSSL", "JDK"})
    void replacedFilesServeNewConnectionsWhileTheOpenOneStays(Engine engine) throws Exception {
        TestPki pki = new TestPki("CA");
        Path ca = pki.writeCa(dir, "ca");
        TestPki.Issued first = pki.localhost("first");
        TestPki.Files2 files = first.write(dir, "server");
        TlsOptions opts = TlsOptions.server(files.cert(), files.key()).withEngine(engine)
                .withReloadInterval(Duration.ofMillis(50));
        try (TlsContext s = TlsContext.open(opts, "rotating"); TlsEcho echo = new TlsEcho(s);
                TlsContext c = TlsContext.open(TlsOptions.client(ca).withEngine(engine), "client");
                TlsEcho.Client held = new TlsEcho.Client(c, echo.port())) {
            assertThat(held.ask("one")).isEqualTo("one from anonymous");
            assertThat(held.serverSerial()).isEqualTo(first.serial());

            TestPki.Issued second = pki.localhost("second");
            second.write(dir, "server");
            waitFor(() -> second.serial().equals(s.certificate().getSerialNumber()), "the poll applied the new files");

            try (TlsEcho.Client fresh = new TlsEcho.Client(c, echo.port())) {
                assertThat(fresh.serverSerial()).isEqualTo(second.serial());
                assertThat(fresh.ask("two")).isEqualTo("two from anonymous");
            }
            assertThat(held.ask("still")).isEqualTo("still from anonymous");
            assertThat(held.serverSerial()).isEqualTo(first.serial());
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"OPENSSL", "JDK"})
    void badNewFilesKeepTheOldCertificateWithOneErrorLine(Engine engine) throws Exception {
        TestPki pki = new TestPki("CA");
        Path ca = pki.writeCa(dir, "ca");
        TestPki.Issued good = pki.localhost("good");
        TestPki.Files2 files = good.write(dir, "server");
        TlsOptions opts = TlsOptions.server(files.cert(), files.key()).withEngine(engine)
                .withReloadInterval(Duration.ofMillis(20));
        try (StderrCapture log = new StderrCapture(); TlsContext s = TlsContext.open(opts, "guarded");
                TlsEcho echo = new TlsEcho(s);
                TlsContext c = TlsContext.open(TlsOptions.client(ca).withEngine(engine), "client")) {
            TestPki.writeAtomically(files.cert(), "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n"
                    + "-----END CERTIFICATE-----\n");
            assertThat(s.reload()).isFalse();
            long polls = s.files().polls();
            waitFor(() -> s.files().polls() >= polls + 5, "five more polls over the same bad file");
            assertThat(log.lines("ERROR")).hasSize(1);
            assertThat(log.lines("ERROR").get(0)).contains("tls for guarded", "keeping the previous",
                    files.cert().toString()).doesNotContain("bm90IGEgY2VydA");
            assertThat(s.certificate().getSerialNumber()).isEqualTo(good.serial());
            try (TlsEcho.Client conn = new TlsEcho.Client(c, echo.port())) {
                assertThat(conn.serverSerial()).isEqualTo(good.serial());
            }

            // A certificate replaced with one whose key is not the key file's: refused too.
            Files.writeString(files.cert(), TestPki.certPem(pki.localhost("orphan").cert()));
            assertThat(s.reload()).isFalse();
            assertThat(log.lines("ERROR")).hasSize(2);
            assertThat(log.lines("ERROR").get(1)).contains("does not belong to");

            // Good files again: reload on demand applies them at once.
            TestPki.Issued next = pki.localhost("next");
            next.write(dir, "server");
            assertThat(s.reload()).isTrue();
            assertThat(s.certificate().getSerialNumber()).isEqualTo(next.serial());
            try (TlsEcho.Client conn = new TlsEcho.Client(c, echo.port())) {
                assertThat(conn.serverSerial()).isEqualTo(next.serial());
            }
            assertThat(log.lines("ERROR")).hasSize(2);
        }
    }

    static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(10);
        }
    }

}
