package io.sluice.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.sluice.transport.grpc.proto.Ack;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.grpc.proto.IngestGrpc;
import io.sluice.transport.tls.TlsOptions.Engine;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rotation on gRPC's side (grpc-netty-shaded): after {@link TlsContext#reload()} a new channel sees the
 * new server certificate while a channel opened before keeps its connection and certificate.
 */
class GrpcTlsRotationTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(names = {"OPENSSL", "JDK"})
    void newChannelsGetTheNewCertificateOldOnesKeepWorking(Engine engine) throws Exception {
        TestPki pki = new TestPki("CA");
        Path ca = pki.writeCa(dir, "ca");
        TestPki.Issued first = pki.localhost("first");
        TestPki.Files2 files = first.write(dir, "server");
        IngestGrpc.IngestImplBase service = new IngestGrpc.IngestImplBase() {
            @Override
            public void send(Envelope request, StreamObserver<Ack> response) {
                response.onNext(Ack.newBuilder().setSequence(request.getSequence()).build());
                response.onCompleted();
            }
        };
        try (TlsContext s = TlsContext.open(TlsOptions.server(files.cert(), files.key()).withEngine(engine)
                .withReloadInterval(Duration.ZERO), "grpc");
                TlsContext c = TlsContext.open(TlsOptions.client(ca).withEngine(engine), "client")) {
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .sslContext(s.grpcSslContext()).addService(service).build().start();
            ManagedChannel old = channel(c, server.getPort());
            ManagedChannel fresh = null;
            try {
                assertThat(serialSeen(old, 1)).isEqualTo(first.serial());
                TestPki.Issued second = pki.localhost("second");
                second.write(dir, "server");
                assertThat(s.reload()).isTrue();
                fresh = channel(c, server.getPort());
                assertThat(serialSeen(fresh, 2)).isEqualTo(second.serial());
                assertThat(serialSeen(old, 3)).as("the open connection is untouched").isEqualTo(first.serial());
            } finally {
                old.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                if (fresh != null) {
                    fresh.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                }
                server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    private static ManagedChannel channel(TlsContext tls, int port) {
        return NettyChannelBuilder.forAddress("localhost", port).sslContext(tls.grpcSslContext()).build();
    }

    /** Makes one call and returns the serial of the certificate the server presented on its connection. */
    private static BigInteger serialSeen(ManagedChannel ch, long seq) throws Exception {
        AtomicReference<SSLSession> session = new AtomicReference<>();
        ClientInterceptor capture = new ClientInterceptor() {
            @Override
            public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options,
                    Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<A> listener, Metadata headers) {
                        ClientCall<Q, A> call = delegate();
                        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onHeaders(Metadata h) {
                                session.set(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                                super.onHeaders(h);
                            }
                        }, headers);
                    }
                };
            }
        };
        Ack ack = IngestGrpc.newBlockingStub(ch).withInterceptors(capture).withDeadlineAfter(10, TimeUnit.SECONDS)
                .send(Envelope.newBuilder().setSequence(seq).build());
        assertThat(ack.getSequence()).isEqualTo(seq);
        return ((X509Certificate) session.get().getPeerCertificates()[0]).getSerialNumber();
    }
}
