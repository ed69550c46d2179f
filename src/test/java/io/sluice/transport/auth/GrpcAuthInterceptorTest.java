package io.sluice.transport.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.sluice.transport.grpc.proto.Ack;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.grpc.proto.IngestGrpc;
import io.sluice.transport.tls.TlsContext;
import io.sluice.transport.tls.TlsOptions;
import io.sluice.transport.tls.TlsOptions.Engine;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A real grpc-java server and client (grpc-netty-shaded) over TLS from {@link TlsContext#grpcSslContext()}:
 * bearer tokens checked by {@link GrpcAuthInterceptor} (right, wrong, missing), the identity reaching the
 * handler, mutual-TLS identity without tokens, and a wrong host name refused by gRPC's client; both engines.
 */
class GrpcAuthInterceptorTest {

    @TempDir
    Path dir;

    /** Records the identity each call ran with. */
    static final class Recording extends IngestGrpc.IngestImplBase {
        final List<String> identities = new CopyOnWriteArrayList<>();

        @Override
        public void send(Envelope request, StreamObserver<Ack> response) {
            identities.add(String.valueOf(GrpcAuthInterceptor.IDENTITY.get()));
            response.onNext(Ack.newBuilder().setCount(1).setSequence(request.getSequence()).build());
            response.onCompleted();
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"OPENSSL", "JDK"})
    void tokensOverTls(Engine engine) throws Exception {
        var pki = new io.sluice.transport.tls.TestPkiAccess(dir);
        Path tokens = Files.writeString(dir.resolve("tokens.txt"), "meter-7:" + TokenAuthenticatorTest.ALICE + "\n");
        List<String> refusals = new CopyOnWriteArrayList<>();
        AuthListener listener = (reason, peer) -> refusals.add(reason + " " + (peer instanceof InetSocketAddress));
        Recording service = new Recording();
        try (TlsContext serverTls = TlsContext.open(TlsOptions.server(pki.serverCert, pki.serverKey)
                .withEngine(engine), "grpc");
                TlsContext clientTls = TlsContext.open(TlsOptions.client(pki.ca).withEngine(engine), "client");
                TokenAuthenticator auth = TokenAuthenticator.open(tokens, Duration.ZERO, "grpc")) {
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .sslContext(serverTls.grpcSslContext())
                    .addService(ServerInterceptors.intercept(service, new GrpcAuthInterceptor(auth, listener)))
                    .build().start();
            ManagedChannel ch = NettyChannelBuilder.forAddress("localhost", server.getPort())
                    .sslContext(clientTls.grpcSslContext()).build();
            try {
                IngestGrpc.IngestBlockingStub stub = IngestGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
                Envelope e = Envelope.newBuilder().setSequence(42).build();
                Ack ack = stub.withCallCredentials(new BearerCallCredentials(() -> TokenAuthenticatorTest.ALICE)).send(e);
                assertThat(ack.getSequence()).isEqualTo(42);
                assertThat(service.identities).containsExactly("meter-7");

                assertThatThrownBy(() -> stub.withCallCredentials(new BearerCallCredentials(() -> "wrong-token"))
                        .send(e)).isInstanceOfSatisfying(StatusRuntimeException.class, x -> assertThat(
                                x.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
                assertThatThrownBy(() -> stub.send(e)).isInstanceOfSatisfying(StatusRuntimeException.class,
                        x -> assertThat(x.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
                assertThat(service.identities).as("no handler ran for refused calls").containsExactly("meter-7");
                assertThat(refusals).containsExactly("unknown or malformed bearer token true",
                        "missing bearer token true");
                assertThat(stub.withCallCredentials(new BearerCallCredentials(() -> TokenAuthenticatorTest.ALICE))
                        .send(e).getCount()).as("the channel still serves good calls").isEqualTo(1);
            } finally {
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"OPENSSL", "JDK"})
    void mutualTlsIdentityAndHostnameVerification(Engine engine) throws Exception {
        var pki = new io.sluice.transport.tls.TestPkiAccess(dir);
        Recording service = new Recording();
        try (TlsContext serverTls = TlsContext.open(TlsOptions.server(pki.serverCert, pki.serverKey)
                .withClientCa(pki.ca).withEngine(engine), "grpc");
                TlsContext withCert = TlsContext.open(TlsOptions.client(pki.ca).withEngine(engine)
                        .withCertificate(pki.clientCert, pki.clientKey), "client");
                TlsContext withoutCert = TlsContext.open(TlsOptions.client(pki.ca).withEngine(engine), "client")) {
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .sslContext(serverTls.grpcSslContext())
                    .addService(ServerInterceptors.intercept(service, new GrpcAuthInterceptor(null, null)))
                    .build().start();
            List<ManagedChannel> channels = new CopyOnWriteArrayList<>();
            try {
                Envelope e = Envelope.newBuilder().setSequence(1).build();
                assertThat(stub(channels, "localhost", server.getPort(), withCert).send(e).getCount()).isEqualTo(1);
                assertThat(service.identities).containsExactly(pki.clientName);

                assertThatThrownBy(() -> stub(channels, "localhost", server.getPort(), withoutCert).send(e))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, x -> assertThat(
                                x.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
                // Same address, but the channel checks the certificate against another host name.
                assertThatThrownBy(() -> stub(channels, "wrong.example", server.getPort(), withCert).send(e))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, x -> assertThat(
                                x.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE))
                        .hasStackTraceContaining("No subject alternative DNS name matching wrong.example");
                assertThat(service.identities).hasSize(1);
            } finally {
                for (ManagedChannel c : channels) {
                    c.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                }
                server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    private static IngestGrpc.IngestBlockingStub stub(List<ManagedChannel> channels, String authority, int port,
            TlsContext tls) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).overrideAuthority(authority)
                .sslContext(tls.grpcSslContext()).build();
        channels.add(ch);
        return IngestGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
    }
}
