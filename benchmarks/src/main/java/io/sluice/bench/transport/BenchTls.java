package io.sluice.bench.transport;

import io.sluice.transport.tls.TlsOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The TLS material of the TLS rows: one self-signed EC P-256 certificate for 127.0.0.1 and localhost,
 * made once per run with the {@code openssl} command line (as the tests' certificates are made at
 * test time) in a temporary directory; the server presents it and the sink trusts it (hostname
 * verification on, as by default).
 */
final class BenchTls {

    private static Path dir;

    private BenchTls() {
    }

    /** @return server options presenting the certificate, with that engine */
    static TlsOptions server(TlsOptions.Engine engine) {
        Path d = files();
        return TlsOptions.server(d.resolve("cert.pem"), d.resolve("key.pem")).withEngine(engine);
    }

    /** @return client options trusting the certificate, with that engine */
    static TlsOptions client(TlsOptions.Engine engine) {
        return TlsOptions.client(files().resolve("cert.pem")).withEngine(engine);
    }

    private static synchronized Path files() {
        if (dir != null) {
            return dir;
        }
        try {
            Path d = Files.createTempDirectory("sluice-bench-tls");
            d.toFile().deleteOnExit();
            Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", d.resolve("key.pem").toString(), "-out", d.resolve("cert.pem").toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("openssl req failed (apt-get install openssl): " + out);
            }
            d.resolve("key.pem").toFile().deleteOnExit();
            d.resolve("cert.pem").toFile().deleteOnExit();
            dir = d;
            return d;
        } catch (IOException e) {
            throw new IllegalStateException("cannot make the TLS rows' certificate with openssl: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
