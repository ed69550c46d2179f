package io.sluice.transport.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZCert;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * JeroMQ CURVE from key files: an allowed client's messages arrive, a client with a valid CURVE key
 * that is not on the list is refused at the handshake (its message never arrives), the allowed list
 * reloads, and malformed files are named.
 */
class ZmqCurveTest {

    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("deprecation") // ZContext.destroySocket: closes one socket of the context
    void allowedClientsOnlyAndReload() throws Exception {
        ZCert server = new ZCert();
        server.saveSecret(dir.resolve("server.key_secret").toString());
        server.savePublic(dir.resolve("server.key").toString());
        ZCert alice = new ZCert();
        alice.saveSecret(dir.resolve("alice.key_secret").toString());
        ZCert mallory = new ZCert();
        mallory.saveSecret(dir.resolve("mallory.key_secret").toString());
        Path allowed = Files.writeString(dir.resolve("clients.txt"), "# allowed\nalice:" + alice.getPublicKeyAsZ85() + "\n");
        List<String> refusals = new CopyOnWriteArrayList<>();

        try (ZContext ctx = new ZContext();
                ZmqCurve curve = ZmqCurve.server(ctx, dir.resolve("server.key_secret"), allowed, Duration.ZERO,
                        "zmq-pull", (reason, peer) -> refusals.add(reason))) {
            assertThat(curve.serverPublicKey()).isEqualTo(server.getPublicKeyAsZ85());
            ZMQ.Socket pull = ctx.createSocket(SocketType.PULL);
            curve.applyServer(pull);
            pull.setReceiveTimeOut(10_000);
            int port = pull.bindToRandomPort("tcp://127.0.0.1");

            ZMQ.Socket bad = push(ctx, dir.resolve("mallory.key_secret"), port);
            bad.send("from mallory");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (refusals.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(refusals).containsExactly("curve client key not allowed");

            ZMQ.Socket good = push(ctx, dir.resolve("alice.key_secret"), port);
            good.send("from alice");
            assertThat(pull.recvStr()).isEqualTo("from alice");

            // Mallory is added: a new connection of hers passes (the refused socket is dropped first).
            ctx.destroySocket(bad);
            Files.writeString(allowed, "alice:" + alice.getPublicKeyAsZ85() + "\nmallory: "
                    + mallory.getPublicKeyAsZ85() + "\n");
            assertThat(curve.reload()).isTrue();
            ZMQ.Socket again = push(ctx, dir.resolve("mallory.key_secret"), port);
            again.send("mallory again");
            assertThat(pull.recvStr()).isEqualTo("mallory again");

            Files.writeString(allowed, "alice:not-a-key\n");
            assertThat(curve.reload()).isFalse();
        }
    }

    @Test
    void malformedFilesAreNamed() throws Exception {
        ZCert server = new ZCert();
        server.savePublic(dir.resolve("server.key").toString());
        Path allowed = Files.writeString(dir.resolve("clients.txt"), "alice:" + server.getPublicKeyAsZ85() + "\n");
        try (ZContext ctx = new ZContext()) {
            assertThatThrownBy(() -> ZmqCurve.server(ctx, dir.resolve("server.key"), allowed, Duration.ZERO, "x",
                    null)).hasMessageContaining("server.key").hasMessageContaining("secret-key");
            assertThatThrownBy(() -> ZmqCurve.server(ctx, dir.resolve("nope"), allowed, Duration.ZERO, "x", null))
                    .hasMessageContaining("nope");
        }
        assertThatThrownBy(() -> ZmqCurve.parseAllowed("c.txt", "ok\n".getBytes()))
                .hasMessageContaining("c.txt:1");
        assertThatThrownBy(() -> ZmqCurve.parseAllowed("c.txt", "#\n".getBytes())).hasMessageContaining("no key");
    }

    @Test
    void yamlGroupsBuildServerAndClient() throws Exception {
        ZCert server = new ZCert();
        server.saveSecret(dir.resolve("server.key_secret").toString());
        server.savePublic(dir.resolve("server.key").toString());
        new ZCert().saveSecret(dir.resolve("client.key_secret").toString());
        var spec = ZmqCurve.curveOption();
        var serverGroup = (io.sluice.transport.spi.EndpointOptions) spec.convert(java.util.Map.of(
                "secretKey", "server.key_secret"));
        var clientGroup = (io.sluice.transport.spi.EndpointOptions) spec.convert(java.util.Map.of(
                "secretKey", "client.key_secret", "serverKey", "server.key"));
        assertThat(ZmqCurve.server(null, null, dir, "x", null)).isNull();
        try (ZContext ctx = new ZContext();
                ZmqCurve curve = ZmqCurve.server(serverGroup, ctx, dir, "yaml", null)) {
            ZMQ.Socket pull = ctx.createSocket(SocketType.PULL);
            curve.applyServer(pull);
            pull.setReceiveTimeOut(10_000);
            int port = pull.bindToRandomPort("tcp://127.0.0.1");
            ZMQ.Socket push = ctx.createSocket(SocketType.PUSH);
            ZmqCurve.applyClient(push, clientGroup, dir);
            push.connect("tcp://127.0.0.1:" + port);
            push.send("over curve");
            assertThat(pull.recvStr()).as("no allowedClients: any client with the server key").isEqualTo("over curve");
            ZMQ.Socket noServerKey = ctx.createSocket(SocketType.PUSH);
            assertThatThrownBy(() -> ZmqCurve.applyClient(noServerKey, serverGroup, dir))
                    .hasMessageContaining("curve.serverKey");
        }
    }

    private static ZMQ.Socket push(ZContext ctx, Path clientSecret, int port) {
        ZMQ.Socket s = ctx.createSocket(SocketType.PUSH);
        ZmqCurve.applyClient(s, clientSecret, clientSecret.resolveSibling("server.key"));
        s.setLinger(0);
        s.connect("tcp://127.0.0.1:" + port);
        return s;
    }
}
