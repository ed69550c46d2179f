package io.sluice.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.transport.Transports;
import io.sluice.transport.auth.AuthOptions;
import io.sluice.transport.grpc.GrpcSource;
import io.sluice.transport.websocket.WebSocketSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Python's own clients over TLS with bearer tokens (Debian's python3-websockets and python3-grpcio,
 * installed by .ci/run): {@code websockets} with an {@code ssl} context trusting the test CA and an
 * {@code Authorization} header, and {@code grpcio} with {@code ssl_channel_credentials} and
 * {@code authorization} metadata (stubs generated from the repo's proto with grpc_tools). Byte-exact at
 * 18 B and 79435 B, the token's name as the {@code client} header; a wrong token is refused (HTTP 401 in
 * the handshake, {@code UNAUTHENTICATED}) and counted.
 */
class PythonTlsClientsTest {

    private static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    static final String TOKEN = "py-Token_7";

    private static final String WEBSOCKET = String.join("\n",
            "import asyncio, ssl, sys, websockets",
            "async def main(port, token):",
            "    ctx = ssl.create_default_context(cafile=sys.argv[1])",
            "    try:",
            "        async with websockets.connect('wss://localhost:%s/ws' % port, ssl=ctx, max_size=None,",
            "                extra_headers={'Authorization': 'Bearer ' + token}) as ws:",
            "            await ws.send(b'eighteen-bytes-msg')",
            "            await ws.send(bytes(i % 251 for i in range(79435)))",
            "        print('sent')",
            "    except websockets.exceptions.InvalidStatusCode as e:",
            "        print('refused', e.status_code)",
            "asyncio.run(main(sys.argv[2], sys.argv[3]))");

    private static final String GRPC = String.join("\n",
            "import sys, grpc, sluice_pb2, sluice_pb2_grpc",
            "creds = grpc.ssl_channel_credentials(root_certificates=open(sys.argv[1], 'rb').read())",
            "with grpc.secure_channel('localhost:' + sys.argv[2], creds) as ch:",
            "    stub = sluice_pb2_grpc.IngestStub(ch)",
            "    md = [('authorization', 'Bearer ' + sys.argv[3])]",
            "    try:",
            "        envs = [sluice_pb2.Envelope(payload=b'eighteen-bytes-msg'),",
            "                sluice_pb2.Envelope(payload=bytes(i % 251 for i in range(79435)))]",
            "        print('acknowledged', stub.SendStream(iter(envs), metadata=md, timeout=20).count)",
            "    except grpc.RpcError as e:",
            "        print('refused', e.code().name)");

    @TempDir
    Path dir;
    Path ca;
    TestPki.Files2 server;
    Path tokens;
    byte[] big;

    @BeforeEach
    void files() throws Exception {
        TestPki pki = new TestPki("Sluice Test CA");
        ca = pki.writeCa(dir, "ca");
        server = pki.localhost("server").write(dir, "server");
        tokens = Files.writeString(dir.resolve("tokens.txt"), "python-edge:" + TOKEN + "\n");
        big = new byte[79435];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i % 251);
        }
    }

    @Test
    void pythonWebsocketsOverTlsWithToken() throws Exception {
        WebSocketSource source = Transports.websocket().tls(TlsOptions.server(server.cert(), server.key()))
                .auth(AuthOptions.tokensFile(tokens)).source();
        try (Received in = new Received(source)) {
            assertThat(python(WEBSOCKET, "ws.py", in.port, TOKEN)).isEqualTo("sent");
            assertReceived(in);
            assertThat(python(WEBSOCKET, "ws.py", in.port, "wrong-token")).isEqualTo("refused 401");
            Received.until(() -> source.metrics().errors("auth") >= 1, "refusal counted");
            assertThat(source.metrics().errors("auth")).isEqualTo(1);
            assertThat(in.messages).hasSize(2);
        }
    }

    @Test
    void pythonGrpcioOverTlsWithToken() throws Exception {
        Process protoc = new ProcessBuilder(PYTHON, "-m", "grpc_tools.protoc",
                "-I" + Path.of("src/main/proto").toAbsolutePath(), "--python_out=" + dir, "--grpc_python_out=" + dir,
                "sluice.proto").redirectErrorStream(true).start();
        assertThat(protoc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String protocOut = new String(protoc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(protoc.exitValue()).as("grpc_tools (apt-get install python3-grpc-tools): %s", protocOut).isZero();
        GrpcSource source = Transports.grpc().tls(TlsOptions.server(server.cert(), server.key()))
                .auth(AuthOptions.tokensFile(tokens)).source();
        try (Received in = new Received(source)) {
            assertThat(python(GRPC, "grpc_client.py", in.port, TOKEN)).isEqualTo("acknowledged 2");
            assertReceived(in);
            assertThat(python(GRPC, "grpc_client.py", in.port, "wrong-token")).isEqualTo("refused UNAUTHENTICATED");
            Received.until(() -> source.metrics().errors("auth") >= 1, "refusal counted");
            assertThat(in.messages).hasSize(2);
        }
    }

    private void assertReceived(Received in) throws InterruptedException {
        List<Message> got = in.await(2);
        assertThat(got.get(0).payloadUtf8()).isEqualTo("eighteen-bytes-msg");
        assertThat(got.get(1).payload()).isEqualTo(big);
        assertThat(got).allSatisfy(m -> assertThat(m.header("client")).hasValue("python-edge"));
    }

    /** Runs a script (bounded), fails unless it exits 0, and returns its last output line. */
    private String python(String script, String name, int port, String token) throws Exception {
        Path file = Files.writeString(dir.resolve(name), script);
        List<String> cmd = new ArrayList<>(List.of(PYTHON, file.toString(), ca.toString(), Integer.toString(port),
                token));
        Path log = dir.resolve(name + ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .directory(dir.toFile());
        pb.environment().put("PYTHONPATH", dir.toString());
        Process p = pb.start();
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        assertThat(ended).as("python ended: %s", out).isTrue();
        assertThat(p.exitValue()).as("%s (python3-websockets/python3-grpcio, .ci/run installs them): %s", name, out)
                .isZero();
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1].strip();
    }
}
