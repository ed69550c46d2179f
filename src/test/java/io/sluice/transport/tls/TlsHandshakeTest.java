package io.sluice.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.OpenSsl;
import io.sluice.transport.tls.TlsOptions.Engine;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import io.netty.handler.ssl.SslHandler;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real TLS handshakes between a reactor-netty server and client built from {@link TlsContext}, on the
 * OpenSSL and the JDK engine: round trips, mutual TLS identity, and every refusal (plaintext, untrusted
 * CA, expired certificate, wrong host name, missing client certificate), each with a positive control.
 */
class TlsHandshakeTest {

    @TempDir
    Path dir;
    TestPki pki;
    Path ca;
    TestPki.Files2 server;
    TestPki.Files2 client;

    @BeforeEach
    void pki() throws Exception {
        pki = new TestPki("Sluice Test CA");
        ca = pki.writeCa(dir, "ca");
        server = pki.localhost("server").write(dir, "server");
        client = pki.issue("device-17", List.of(), List.of()).write(dir, "client");
    }

    @Test
    void openSslLoadsOnThisMachineForBothNettyCopies() {
        assertThat(OpenSsl.isAvailable()).as("netty-tcnative: %s", OpenSsl.unavailabilityCause()).isTrue();
        assertThat(io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl.isAvailable()).isTrue();
        try (TlsContext auto = TlsContext.open(TlsOptions.server(server.cert(), server.key()), "auto")) {
            assertThat(auto.engine()).isEqualTo(Engine.OPENSSL);
            assertThat(auto.grpcEngine()).isEqualTo(Engine.OPENSSL);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"OPENSSL", "JDK"})
    void roundTripOverTls13WithHostnameVerification(Engine engine) throws Exception {
        try (TlsContext s = serverTls(engine, false); TlsEcho echo = new TlsEcho(s);
                TlsContext c = TlsContext.open(TlsOptions.client(ca).withEngine(engine), "client");
                TlsEcho.Client conn = new TlsEcho.Client(c, echo.port())) {
            assertThat(conn.ask("hello")).isEqualTo("hello from anonymous");
            SSLSession session = conn.conn.channel().pipeline().get(SslHandler.class).engine().getSession();
            assertThat(session.getProtocol()).isEqualTo("TLSv1.3");
            assertThat(conn.serverSerial()).isEqualTo(s.certificate().getSerialNumber());
            assertThat(c.engine()).isEqualTo(engine);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"OPENSSL", "JDK"})
    void mutualTlsNamesTheClientAndRefusesAClientWithoutCertificate(Engine engine) throws Exception {
        try (TlsContext s = serverTls(engine, true); TlsEcho echo = new TlsEcho(s);
                TlsContext withCert = TlsContext.open(TlsOptions.client(ca).withEngine(engine)
                        .withCertificate(client.cert(), client.key()), "client");
                TlsContext without = TlsContext.open(TlsOptions.client(ca).withEngine(engine), "client")) {
            try (TlsEcho.Client ok = new TlsEcho.Client(withCert, echo.port())) {
                assertThat(ok.ask("hi")).isEqualTo("hi from device-17");
            }
            assertThat(echo.handled).hasValue(1);
            // TLS 1.3: the client may finish its side before the server checks the (empty) certificate,
            // so the refusal shows as a closed connection with no answer, or as a failed connect.
            try (TlsEcho.Client refused = new TlsEcho.Client(without, echo.port())) {
                assertThat(refused.ask("hi")).isNull();
                assertThat(refused.closes()).isTrue();
            } catch (RuntimeException handshakeFailed) {
                assertThat(handshakeFailed).hasStackTraceContaining("certificate");
            }
            assertThat(echo.handled).as("the server handler never ran for the refused client").hasValue(1);
            TlsRotationTest.waitFor(() -> !echo.failures.isEmpty(), "the failed handshake is reported");
            assertThat(echo.failures).hasSize(1);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"OPENSSL", "JDK"})
    void plaintextClientIsClosedWithoutReachingTheHandler(Engine engine) throws Exception {
        try (TlsContext s = serverTls(engine, false); TlsEcho echo = new TlsEcho(s);
                Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress("127.0.0.1", echo.port()), 5000);
            raw.setSoTimeout((int) TlsEcho.WAIT.toMillis());
            raw.getOutputStream().write("hello in plaintext\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = raw.getInputStream();
            int first;
            try {
                first = in.read();
                while (first != -1 && in.read() != -1) {
                    // drain a TLS alert, if the server sends one, until the close
                }
                first = -1;
            } catch (java.net.SocketException reset) {
                first = -1;
            }
            assertThat(first).as("connection closed").isEqualTo(-1);
            assertThat(echo.handled).hasValue(0);
            TlsRotationTest.waitFor(() -> !echo.failures.isEmpty(), "the failed handshake is reported");
            assertThat(echo.failures).singleElement().asString()
                    .contains("127.0.0.1:" + raw.getLocalPort(), "NotSslRecordException");
            try (TlsContext c = TlsContext.open(TlsOptions.client(ca).withEngine(engine), "client");
                    TlsEcho.Client ok = new TlsEcho.Client(c, echo.port())) {
                assertThat(ok.ask("after")).isEqualTo("after from anonymous");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"OPENSSL", "JDK"})
    void untrustedCaIsRefused(Engine engine) throws Exception {
        Path otherCa = new TestPki("Other CA").writeCa(dir, "other-ca");
        try (TlsContext s = serverTls(engine, false); TlsEcho echo = new TlsEcho(s);
                TlsContext c = TlsContext.open(TlsOptions.client(otherCa).withEngine(engine), "client")) {
            assertThatThrownBy(() -> new TlsEcho.Client(c, echo.port()))
                    .satisfies(e -> assertThat(handshakeFailure(e)).as("an SSLHandshakeException in %s", e).isTrue())
                    .hasStackTraceContaining("certification path");
            assertThat(echo.handled).hasValue(0);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"OPENSSL", "JDK"})
    void expiredServerCertificateIsRefused(Engine engine) throws Exception {
        Instant now = Instant.now();
        TestPki.Files2 expired = pki.issue("server", List.of("localhost"), List.of("127.0.0.1"),
                now.minus(Duration.ofDays(3)), now.minus(Duration.ofDays(1))).write(dir, "expired");
        TlsOptions opts = TlsOptions.server(expired.cert(), expired.key()).withEngine(engine);
        try (TlsContext s = TlsContext.open(opts, "expired"); TlsEcho echo = new TlsEcho(s);
                TlsContext c = TlsContext.open(TlsOptions.client(ca).withEngine(engine), "client")) {
            assertThatThrownBy(() -> new TlsEcho.Client(c, echo.port()))
                    .hasStackTraceContaining("expired");
            assertThat(echo.handled).hasValue(0);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"OPENSSL", "JDK"})
    void wrongHostIsRefusedUnlessVerificationIsOff(Engine engine) throws Exception {
        TestPki.Files2 other = pki.issue("other", List.of("other.example"), List.of()).write(dir, "other");
        TlsOptions opts = TlsOptions.server(other.cert(), other.key()).withEngine(engine);
        try (TlsContext s = TlsContext.open(opts, "other"); TlsEcho echo = new TlsEcho(s);
                TlsContext strict = TlsContext.open(TlsOptions.client(ca).withEngine(engine), "strict");
                TlsContext lax = TlsContext.open(TlsOptions.client(ca).withEngine(engine)
                        .withVerifyHostname(false), "lax")) {
            assertThatThrownBy(() -> new TlsEcho.Client(strict, echo.port()))
                    .hasStackTraceContaining("127.0.0.1");
            try (TlsEcho.Client ok = new TlsEcho.Client(lax, echo.port())) {
                assertThat(ok.ask("x")).isEqualTo("x from anonymous");
            }
        }
    }

    @Test
    void missingOrMismatchedFilesFailAtOpenWithTheFileName() throws Exception {
        TestPki.Files2 second = pki.localhost("second").write(dir, "second");
        assertThatThrownBy(() -> TlsContext.open(TlsOptions.server(server.cert(), second.key()), "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not belong to");
        assertThatThrownBy(() -> TlsContext.open(TlsOptions.server(dir.resolve("nope.pem"), server.key()), "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope.pem");
        assertThatThrownBy(() -> TlsContext.open(TlsOptions.server(server.key(), server.key()), "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("server-key.pem");
    }

    private TlsContext serverTls(Engine engine, boolean mutual) {
        TlsOptions o = TlsOptions.server(server.cert(), server.key()).withEngine(engine);
        return TlsContext.open(mutual ? o.withClientCa(ca) : o, "server");
    }

    static boolean handshakeFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLHandshakeException) {
                return true;
            }
        }
        return false;
    }
}
