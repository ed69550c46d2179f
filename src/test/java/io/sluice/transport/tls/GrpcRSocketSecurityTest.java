package io.sluice.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketConnector;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.util.DefaultPayload;
import io.sluice.Message;
import io.sluice.transport.Transports;
import io.sluice.transport.auth.AuthOptions;
import io.sluice.transport.auth.BearerCallCredentials;
import io.sluice.transport.auth.RSocketAuth;
import io.sluice.transport.grpc.GrpcSource;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.grpc.proto.IngestGrpc;
import io.sluice.transport.rsocket.RSocketBuilder;
import io.sluice.transport.rsocket.RSocketSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.netty.tcp.TcpClient;

/**
 * TLS and bearer tokens wired into the gRPC and RSocket sources and sinks: grpc-java clients with
 * TLS credentials and {@code authorization} metadata ({@code UNAUTHENTICATED} without a known token),
 * rsocket-java clients with SETUP bearer metadata (rejected SETUP without), and Sluice's sinks over
 * (mutual) TLS, byte-exact.
 */
class GrpcRSocketSecurityTest {

    static final String TOKEN = "grpc-Token.77";

    @TempDir
    Path dir;
    Path ca;
    TestPki.Files2 server;
    TestPki.Files2 client;
    Path tokens;

    @BeforeEach
    void files() throws Exception {
        TestPki pki = new TestPki("Sluice Test CA");
        ca = pki.writeCa(dir, "ca");
        server = pki.localhost("server").write(dir, "server");
        client = pki.issue("device-9", List.of(), List.of()).write(dir, "client");
        tokens = Files.writeString(dir.resolve("tokens.txt"), "meter-4:" + TOKEN + "\n");
    }

    @Test
    void grpcOverTlsWithTokens() throws Exception {
        GrpcSource source = Transports.grpc().tls(TlsOptions.server(server.cert(), server.key()))
                .auth(AuthOptions.tokensFile(tokens)).source();
        try (Received in = new Received(source);
             TlsContext c = TlsContext.open(TlsOptions.client(ca), "grpc client")) {
            ManagedChannel ch = NettyChannelBuilder.forAddress("localhost", in.port).sslContext(c.grpcSslContext())
                    .build();
            try {
                Envelope e = Envelope.newBuilder().setPayload(ByteString.copyFromUtf8("reading-1"))
                        .putHeaders("client", "spoofed").build();
                IngestGrpc.IngestBlockingStub stub = IngestGrpc.newBlockingStub(ch);
                assertThatThrownBy(() -> stub.send(e)).isInstanceOfSatisfying(StatusRuntimeException.class,
                        x -> assertThat(x.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
                assertThatThrownBy(() -> stub.withCallCredentials(new BearerCallCredentials(() -> "wrong")).send(e))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                x -> assertThat(x.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
                assertThat(stub.withCallCredentials(new BearerCallCredentials(() -> TOKEN)).send(e).getCount())
                        .isEqualTo(1);
                List<Message> got = in.await(1);
                assertThat(got.get(0).payloadUtf8()).isEqualTo("reading-1");
                assertThat(got.get(0).header("client")).as("identity, not what the client claimed").hasValue("meter-4");
                assertThat(source.metrics().errors("auth")).isEqualTo(2);
            } finally {
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void grpcSinkOverMutualTlsByteExact() throws Exception {
        GrpcSource source = Transports.grpc().tls(TlsOptions.server(server.cert(), server.key()).withClientCa(ca))
                .source();
        try (Received in = new Received(source)) {
            byte[] big = new byte[79435];
            new Random(5).nextBytes(big);
            Transports.grpc().host("localhost").port(in.port)
                    .tls(TlsOptions.client(ca).withCertificate(client.cert(), client.key())).sink()
                    .write(Flux.just(Message.ofUtf8("eighteen-bytes-msg"), Message.of(big))).block(Received.WAIT);
            List<Message> got = in.await(2);
            assertThat(got.get(0).payloadUtf8()).isEqualTo("eighteen-bytes-msg");
            assertThat(got.get(1).payload()).isEqualTo(big);
            assertThat(got).allSatisfy(m -> assertThat(m.header("client")).hasValue("device-9"));
            // without a client certificate the sink is refused
            assertThatThrownBy(() -> Transports.grpc().host("localhost").port(in.port).tls(TlsOptions.client(ca))
                    .sink().write(Flux.just(Message.ofUtf8("anonymous"))).block(Received.WAIT)).isNotNull();
            assertThat(in.messages).hasSize(2);
        }
    }

    @Test
    void rsocketOverTlsWithSetupToken() throws Exception {
        RSocketSource source = Transports.rsocket().mode(RSocketBuilder.Mode.FIRE_AND_FORGET)
                .tls(TlsOptions.server(server.cert(), server.key())).auth(AuthOptions.tokensFile(tokens)).source();
        try (Received in = new Received(source);
             TlsContext c = TlsContext.open(TlsOptions.client(ca), "rsocket client")) {
            TcpClient tcp = TcpClient.create().host("localhost").port(in.port).secure(c.sslSpec());
            RSocket anonymous = RSocketConnector.create().connect(TcpClientTransport.create(tcp)).block(Received.WAIT);
            assertThatThrownBy(() -> anonymous.requestResponse(DefaultPayload.create("barrier")).block(Received.WAIT))
                    .hasStackTraceContaining("missing bearer token");
            RSocket r = RSocketConnector.create()
                    .metadataMimeType(RSocketAuth.compositeMetadataMimeType())
                    .setupPayload(DefaultPayload.create(Unpooled.EMPTY_BUFFER,
                            RSocketAuth.bearerSetupMetadata(ByteBufAllocator.DEFAULT, TOKEN)))
                    .connect(TcpClientTransport.create(tcp)).block(Received.WAIT);
            try {
                r.fireAndForget(DefaultPayload.create("fnf-1")).block(Received.WAIT);
                r.requestResponse(DefaultPayload.create("barrier")).block(Received.WAIT).release();
                List<Message> got = in.await(1);
                assertThat(got.get(0).payloadUtf8()).isEqualTo("fnf-1");
                assertThat(got.get(0).header("client")).hasValue("meter-4");
                assertThat(source.metrics().errors("auth")).isEqualTo(1);
            } finally {
                r.dispose();
                anonymous.dispose();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void rsocketSinkOverMutualTlsByteExact(boolean webSocket) throws Exception {
        RSocketSource source = Transports.rsocket().webSocket(webSocket)
                .tls(TlsOptions.server(server.cert(), server.key()).withClientCa(ca)).source();
        try (Received in = new Received(source)) {
            byte[] big = new byte[79435];
            new Random(3).nextBytes(big);
            Transports.rsocket().webSocket(webSocket).host("localhost").port(in.port)
                    .tls(TlsOptions.client(ca).withCertificate(client.cert(), client.key())).sink()
                    .write(Flux.just(Message.ofUtf8("first"), Message.of(big))).block(Received.WAIT);
            List<Message> got = in.await(2);
            assertThat(got.get(0).payloadUtf8()).isEqualTo("first");
            assertThat(got.get(1).payload()).isEqualTo(big);
            long before = source.metrics().errors("tls");
            assertThatThrownBy(() -> Transports.rsocket().webSocket(webSocket).host("localhost").port(in.port)
                    .sink().write(Flux.just(Message.ofUtf8("plain"))).block(Received.WAIT)).isNotNull();
            Received.until(() -> source.metrics().errors("tls") > before, "plaintext client counted as tls");
            assertThat(in.messages).hasSize(2);
        }
    }
}
