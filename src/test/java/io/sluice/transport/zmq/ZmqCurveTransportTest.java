package io.sluice.transport.zmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import io.sluice.gateway.GatewayConfig;
import io.sluice.transport.Transports;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.ZCert;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * ZeroMQ CURVE in the zmq endpoint types: a {@code zmq-pull} source is the CURVE server (secret
 * certificate, allowed client keys), and pyzmq (libzmq) as a CURVE client with an allowed key gets its
 * messages through byte-exact, one with a key not on the list is refused at the handshake (nothing
 * arrives) and counted as {@code auth}; a Sluice {@code zmq-push} sink with CURVE reaches it too.
 */
class ZmqCurveTransportTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    /** pyzmq PUSH as a CURVE client: argv certificate, server public certificate, endpoint, messages. */
    private static final String PUSH = String.join("\n",
            "import sys, zmq, zmq.auth",
            "ctx = zmq.Context()",
            "s = ctx.socket(zmq.PUSH)",
            "s.curve_publickey, s.curve_secretkey = zmq.auth.load_certificate(sys.argv[1])",
            "s.curve_serverkey = zmq.auth.load_certificate(sys.argv[2])[0]",
            "s.setsockopt(zmq.LINGER, 3000)",
            "s.connect(sys.argv[3])",
            "for m in sys.argv[4:]:",
            "    s.send(b'B' * 79435 if m == 'big' else m.encode())",
            "s.close()",
            "ctx.term()");

    @TempDir
    Path dir;
    ZCert alice;

    @BeforeEach
    void keys() throws Exception {
        ZCert server = new ZCert();
        server.saveSecret(dir.resolve("server.key_secret").toString());
        server.savePublic(dir.resolve("server.key").toString());
        alice = new ZCert();
        alice.saveSecret(dir.resolve("alice.key_secret").toString());
        new ZCert().saveSecret(dir.resolve("mallory.key_secret").toString());
        Files.writeString(dir.resolve("clients.txt"), "# allowed\nalice:" + alice.getPublicKeyAsZ85() + "\n");
    }

    @Test
    void pyzmqCurveClientsAllowedAndRefused() throws Exception {
        ZmqSource source = Transports.zmq().endpoint("tcp://127.0.0.1:*")
                .curveServer(dir.resolve("server.key_secret"), dir.resolve("clients.txt"), Duration.ZERO).pullSource();
        List<Message> got = new CopyOnWriteArrayList<>();
        Disposable sub = source.flux().subscribe(got::add, e -> { });
        try {
            String endpoint = source.boundEndpoint().block(WAIT);
            python("alice.key_secret", endpoint, "curve-1", "big");
            until(() -> got.size() >= 2, "alice's two messages");
            assertThat(got.get(0).payloadUtf8()).isEqualTo("curve-1");
            assertThat(got.get(1).payload()).isEqualTo("B".repeat(79435).getBytes(StandardCharsets.US_ASCII));
            assertThat(source.metrics().errors("auth")).isZero();

            python("mallory.key_secret", endpoint, "from-mallory");
            until(() -> source.metrics().errors("auth") >= 1, "mallory refused and counted");

            // a Sluice sink with an allowed key; after it, nothing of mallory's has arrived
            Transports.zmq().endpoint(endpoint).curveClient(dir.resolve("alice.key_secret"), dir.resolve("server.key"))
                    .pushSink().write(Flux.just(Message.ofUtf8("from-sluice"))).block(WAIT);
            until(() -> got.size() >= 3, "the sink's message");
            assertThat(got).extracting(Message::payloadUtf8).doesNotContain("from-mallory").contains("from-sluice");
        } finally {
            sub.dispose();
        }
    }

    @Test
    void yamlResolvesKeyFilesAgainstTheConfigFileAndNamesMissingOnes() throws Exception {
        String ok = "pipelines:\n"
                + "  - name: a\n"
                + "    source: {type: zmq-pull, endpoint: 'tcp://127.0.0.1:5999',\n"
                + "             curve: {secretKey: server.key_secret, allowedClients: clients.txt}}\n"
                + "    sink: {type: zmq-push, endpoint: 'tcp://127.0.0.1:5998',\n"
                + "           curve: {secretKey: alice.key_secret, serverKey: server.key}}\n";
        String resolved = GatewayConfig.load(Files.writeString(dir.resolve("ok.yaml"), ok)).pipelines().get(0)
                .source().options().group("curve").string("allowedClients");
        assertThat(resolved).isEqualTo(dir.resolve("clients.txt").toAbsolutePath().toString());
        String bad = ok.replace("clients.txt", "nope.txt");
        Path badFile = Files.writeString(dir.resolve("bad.yaml"), bad);
        assertThatThrownBy(() -> GatewayConfig.load(badFile)).hasMessageContaining("line 4")
                .hasMessageContaining("curve.allowedClients: no such file " + dir.resolve("nope.txt"));
    }

    private void python(String cert, String endpoint, String... messages) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(PYTHON, "-c", PUSH, dir.resolve(cert).toString(),
                dir.resolve("server.key").toString(), endpoint));
        cmd.addAll(List.of(messages));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("pyzmq client ended").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("pyzmq (apt-get install python3-zmq; .ci/run installs it): %s", out).isZero();
    }

    private static void until(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < end).as("timed out waiting for %s", what).isTrue();
            Thread.sleep(20);
        }
    }
}
