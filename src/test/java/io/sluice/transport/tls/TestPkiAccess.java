package io.sluice.transport.tls;

import java.nio.file.Path;
import java.util.List;

/** Test PKI files for tests outside this package: a CA, a localhost server and a client certificate. */
public final class TestPkiAccess {
    /** CA certificate. */
    public final Path ca;
    /** Server certificate and key (localhost, 127.0.0.1). */
    public final Path serverCert;
    /** Server key. */
    public final Path serverKey;
    /** Client certificate (CN {@link #clientName}). */
    public final Path clientCert;
    /** Client key. */
    public final Path clientKey;
    /** The client certificate's CN. */
    public final String clientName = "device-9";

    /**
     * @param dir where the PEM files go
     * @throws Exception if generation fails
     */
    public TestPkiAccess(Path dir) throws Exception {
        TestPki pki = new TestPki("Test CA");
        ca = pki.writeCa(dir, "ca");
        TestPki.Files2 s = pki.localhost("server").write(dir, "server");
        serverCert = s.cert();
        serverKey = s.key();
        TestPki.Files2 c = pki.issue(clientName, List.of(), List.of()).write(dir, "client");
        clientCert = c.cert();
        clientKey = c.key();
    }
}
