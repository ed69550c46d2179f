package io.sluice.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.transport.ServerSource;
import io.sluice.transport.Transports;
import io.sluice.transport.auth.AuthOptions;
import io.sluice.transport.auth.SinkToken;
import io.sluice.transport.grpc.GrpcBuilder;
import io.sluice.transport.rsocket.RSocketBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;

/**
 * Bearer tokens sent by Sluice's own sinks ({@code auth: {tokenFile}}) to Sluice's sources that require
 * them, over TLS: HTTP and WebSocket ({@code Authorization: Bearer}), gRPC (unary and streaming,
 * {@code authorization} metadata) and RSocket (TCP and WebSocket, SETUP authentication metadata). The
 * token's name becomes the {@code client} header; a sink with a wrong token is refused and the refusal
 * counted as {@code auth}; a rotated token file is used by the next write.
 */
class SinkTokenTest {

    static final String TOKEN = "edge-Token_42";

    @TempDir
    Path dir;
    Path ca;
    TestPki.Files2 server;
    Path tokens;

    @BeforeEach
    void files() throws Exception {
        TestPki pki = new TestPki("Sluice Test CA");
        ca = pki.writeCa(dir, "ca");
        server = pki.localhost("server").write(dir, "server");
        tokens = Files.writeString(dir.resolve("tokens.txt"), "edge-1:" + TOKEN + "\nother:other-Token\n");
    }

    private ServerSource source(String transport) {
        TlsOptions tls = TlsOptions.server(server.cert(), server.key());
        AuthOptions auth = AuthOptions.tokensFile(tokens);
        return switch (transport) {
            case "http" -> Transports.http().tls(tls).auth(auth).source();
            case "websocket" -> Transports.websocket().tls(tls).auth(auth).source();
            case "grpc-stream", "grpc-unary" -> Transports.grpc().tls(tls).auth(auth).source();
            case "rsocket", "rsocket-fnf" -> Transports.rsocket().tls(tls).auth(auth).source();
            case "rsocket-ws" -> Transports.rsocket().webSocket(true).tls(tls).auth(auth).source();
            default -> throw new IllegalArgumentException(transport);
        };
    }

    private Sink<Message> sink(String transport, int port, Path tokenFile) {
        TlsOptions tls = TlsOptions.client(ca);
        SinkToken token = new SinkToken(tokenFile);
        BiFunction<String, Integer, Sink<Message>> make = (t, p) -> switch (t) {
            case "http" -> Transports.http().host("localhost").port(p).tls(tls).bearerToken(token).sink();
            case "websocket" -> Transports.websocket().host("localhost").port(p).tls(tls).bearerToken(token).sink();
            case "grpc-stream" -> Transports.grpc().host("localhost").port(p).tls(tls).bearerToken(token).sink();
            case "grpc-unary" -> Transports.grpc().mode(GrpcBuilder.Mode.UNARY).host("localhost").port(p).tls(tls)
                    .bearerToken(token).sink();
            case "rsocket" -> Transports.rsocket().host("localhost").port(p).tls(tls).bearerToken(token).sink();
            case "rsocket-fnf" -> Transports.rsocket().mode(RSocketBuilder.Mode.FIRE_AND_FORGET).host("localhost")
                    .port(p).tls(tls).bearerToken(token).sink();
            case "rsocket-ws" -> Transports.rsocket().webSocket(true).host("localhost").port(p).tls(tls)
                    .bearerToken(token).sink();
            default -> throw new IllegalArgumentException(t);
        };
        return make.apply(transport, port);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "websocket", "grpc-stream", "grpc-unary", "rsocket", "rsocket-fnf", "rsocket-ws"})
    void sinkPresentsItsTokenAndAWrongOneIsRefusedAndCounted(String transport) throws Exception {
        ServerSource source = source(transport);
        try (Received in = new Received(source)) {
            byte[] big = new byte[79435];
            new Random(13).nextBytes(big);
            Path tokenFile = Files.writeString(dir.resolve("token.txt"), "# the edge's token\n" + TOKEN + "\n");
            sink(transport, in.port, tokenFile)
                    .write(Flux.just(Message.ofUtf8("eighteen-bytes-msg"), Message.of(big))).block(Received.WAIT);
            // request-per-message sinks (HTTP, gRPC unary, RSocket) may have both in flight at once: any order
            List<Message> got = in.await(2).stream().sorted(java.util.Comparator.comparingInt(Message::size)).toList();
            assertThat(got.get(0).payloadUtf8()).isEqualTo("eighteen-bytes-msg");
            assertThat(got.get(1).payload()).isEqualTo(big);
            assertThat(got).allSatisfy(m -> assertThat(m.header("client")).hasValue("edge-1"));
            assertThat(source.metrics().errors("auth")).isZero();

            Path wrongFile = Files.writeString(dir.resolve("wrong.txt"), "not-the-Token\n");
            assertThatThrownBy(() -> sink(transport, in.port, wrongFile)
                    .write(Flux.just(Message.ofUtf8("refused"))).block(Received.WAIT))
                    .as(transport + ": a wrong token fails the write");
            Received.until(() -> source.metrics().errors("auth") >= 1, "the refusal counted as auth");
            assertThat(source.metrics().errors("auth")).isEqualTo(1);

            // rotation: the same file, now a 'name:token' line as given to the client, used by the next write
            Files.writeString(tokenFile, "other:other-Token\n");
            sink(transport, in.port, tokenFile).write(Flux.just(Message.ofUtf8("after-rotation")))
                    .block(Received.WAIT);
            in.await(3);
            assertThat(in.messages).extracting(Message::payloadUtf8).doesNotContain("refused");
            assertThat(in.messages).filteredOn(m -> m.payloadUtf8().equals("after-rotation")).singleElement()
                    .satisfies(m -> assertThat(m.header("client")).hasValue("other"));
        }
    }

    @Test
    void aMissingTokenFileFailsTheWriteNamingTheFile() throws Exception {
        ServerSource source = source("http");
        try (Received in = new Received(source)) {
            Path missing = dir.resolve("missing-token.txt");
            assertThatThrownBy(() -> sink("http", in.port, missing).write(Flux.just(Message.ofUtf8("x")))
                    .block(Received.WAIT)).hasStackTraceContaining(missing.toString());
            assertThat(in.messages).isEmpty();
        }
    }

    @Test
    void tokenFileFormat() throws Exception {
        Path f = dir.resolve("t.txt");
        Files.writeString(f, "\n# comment\n  edge-1:" + TOKEN + "  \n");
        assertThat(new SinkToken(f).current()).isEqualTo(TOKEN);
        Files.writeString(f, "a-Token\nb-Token\n");
        assertThatThrownBy(() -> new SinkToken(f).current()).hasMessageContaining(f + ":2: a second token")
                .hasMessageNotContaining("b-Token");
        Files.writeString(f, "has space\n");
        assertThatThrownBy(() -> new SinkToken(f).current()).hasMessageContaining(f + ":1: not a bearer token")
                .hasMessageNotContaining("space");
        Files.writeString(f, "# only a comment\n");
        assertThatThrownBy(() -> new SinkToken(f).current()).hasMessageContaining("no token");
    }
}
