package io.sluice.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.transport.Transports;
import io.sluice.transport.grpc.GrpcSource;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.grpc.proto.IngestGrpc;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failed TLS handshakes on a gRPC source are counted as {@code reason="tls"} and logged, as on the other
 * TLS transports: a plaintext grpc-java client, a client that does not trust the server's certificate, a
 * client without the certificate {@code clientCa} requires. A good client in between is unaffected and
 * adds nothing to the count.
 */
class GrpcTlsErrorsTest {

    @TempDir
    Path dir;
    Path ca;
    Path otherCa;
    TestPki.Files2 server;
    TestPki.Files2 client;

    @BeforeEach
    void files() throws Exception {
        TestPki pki = new TestPki("Sluice Test CA");
        ca = pki.writeCa(dir, "ca");
        otherCa = new TestPki("Other CA").writeCa(dir, "other-ca");
        server = pki.localhost("server").write(dir, "server");
        client = pki.issue("device-9", List.of(), List.of()).write(dir, "client");
    }

    @Test
    void refusedHandshakesAreCountedAsTls() throws Exception {
        GrpcSource source = Transports.grpc().tls(TlsOptions.server(server.cert(), server.key()).withClientCa(ca))
                .source();
        try (StderrCapture log = new StderrCapture(); Received in = new Received(source)) {
            TlsOptions good = TlsOptions.client(ca).withCertificate(client.cert(), client.key());
            // grpc-java may retry a call that never left the client on a second connection (transparent
            // retry), so each refused client adds at least one
            assertThat(call(in.port, b -> b.usePlaintext())).isEqualTo(Status.Code.UNAVAILABLE);
            long n = awaitMoreTlsErrors(source, 0);

            assertThat(call(in.port, tls(TlsOptions.client(otherCa).withCertificate(client.cert(), client.key()))))
                    .as("untrusted server certificate").isEqualTo(Status.Code.UNAVAILABLE);
            n = awaitMoreTlsErrors(source, n);

            assertThat(call(in.port, tls(TlsOptions.client(ca)))).as("no client certificate")
                    .isEqualTo(Status.Code.UNAVAILABLE);
            n = awaitMoreTlsErrors(source, n);

            assertThat(call(in.port, tls(good))).isEqualTo(Status.Code.OK);
            in.await(1);
            assertThat(in.messages.get(0).header("client")).hasValue("device-9");
            assertThat(source.metrics().errors("tls")).as("the good client adds nothing").isEqualTo(n);
            assertThat(source.metrics().errors()).as("nothing else counted").isEqualTo(n);
            assertThat(log.lines("TLS handshake failed")).isNotEmpty()
                    .anySatisfy(l -> assertThat(l).contains("not a TLS record"));
        }
    }

    private UnaryOperator<NettyChannelBuilder> tls(TlsOptions options) {
        return b -> {
            try (TlsContext c = TlsContext.open(options, "grpc test client")) {
                return b.sslContext(c.grpcSslContext());
            }
        };
    }

    /** One unary call on a fresh channel, shut down at once after (no reconnection adds attempts). */
    private static Status.Code call(int port, UnaryOperator<NettyChannelBuilder> configure) throws Exception {
        ManagedChannel ch = configure.apply(NettyChannelBuilder.forAddress("127.0.0.1", port)).build();
        try {
            IngestGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .send(Envelope.newBuilder().setPayload(ByteString.copyFromUtf8("reading")).build());
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** @return the count, once it is above {@code before} */
    private static long awaitMoreTlsErrors(GrpcSource source, long before) throws InterruptedException {
        Received.until(() -> source.metrics().errors("tls") > before, "tls errors above " + before);
        return source.metrics().errors("tls");
    }
}
