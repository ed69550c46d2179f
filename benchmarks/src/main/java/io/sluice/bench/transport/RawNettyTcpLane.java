package io.sluice.bench.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.sluice.Message;
import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * Baseline: reactor-netty TCP with Netty's own length-field codec and nothing of Sluice's (no
 * {@code Message} objects, no metrics, events, frame checks or drain tracking). Same wire format
 * as Sluice's length-prefixed framing: a 4-byte big-endian length, then the payload.
 */
final class RawNettyTcpLane implements Lane {
    private DisposableServer server;

    @Override
    public void start(Counter counter) {
        server = TcpServer.create().host("127.0.0.1").port(0)
                .doOnConnection(c -> c.addHandlerLast(new LengthFieldBasedFrameDecoder(1 << 20, 0, 4, 0, 4)))
                .handle((in, out) -> in.receive().doOnNext(b -> counter.hit()).then())
                .bindNow(Duration.ofSeconds(30));
    }

    @Override
    public Mono<Void> send(Message template, int count) {
        byte[] payload = template.payload();
        return Mono.usingWhen(
                TcpClient.create().host("127.0.0.1").port(server.port())
                        .option(ChannelOption.TCP_NODELAY, true).connect(),
                c -> c.outbound().send(Flux.range(0, count).map(i -> frame(c, payload)), b -> false).then(),
                RawNettyTcpLane::close);
    }

    private static ByteBuf frame(Connection c, byte[] payload) {
        ByteBuf b = c.channel().alloc().buffer(4 + payload.length);
        return b.writeInt(payload.length).writeBytes(payload);
    }

    private static Mono<Void> close(Connection c) {
        c.dispose();
        return c.onDispose();
    }

    @Override
    public void close() {
        if (server != null) {
            server.disposeNow(Duration.ofSeconds(10));
        }
    }
}
