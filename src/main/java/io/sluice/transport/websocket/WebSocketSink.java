package io.sluice.transport.websocket;

import io.sluice.transport.auth.SinkToken;
import io.sluice.transport.tls.TlsOptions;
import io.sluice.transport.tls.ClientTls;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.ClientSink;
import io.sluice.transport.internal.WriteAcks;
import io.sluice.transport.resilience.RejectedMessageException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;

/**
 * WebSocket client sink: each {@link #write(Flux)} opens one WebSocket connection, sends every
 * message as one binary frame, then a close frame with status 1000 (normal closure; a close
 * frame without a status reads as 1005 to the peer, which e.g. Python websockets reports as an
 * error), and completes when done. Frames are
 * requested while the channel is writable and flushed in batches; binary frames are masked by
 * {@link MaskingEncoder}. A message larger than
 * {@code maxFrameLength} fails the write with a {@link RejectedMessageException} (an
 * {@link IllegalArgumentException}). A message is
 * acknowledged ({@link #acknowledges()}) once its frame was written to the socket.
 */
public final class WebSocketSink implements Sink<Message> {

    private final HttpClient client;
    private final WebsocketClientSpec spec;
    private final String path;
    private final TlsOptions tls;
    private final int maxFrameLength;
    private final ClientSink sink;

    WebSocketSink(WebSocketBuilder b) {
        ClientTls.check(b.tls());
        this.tls = b.tls();
        this.maxFrameLength = b.maxFrameLength;
        this.client = SinkToken.authorize(HttpClient.create().host(b.host()).port(b.port()), b.bearerToken());
        this.spec = WebsocketClientSpec.builder().maxFramePayloadLength(maxFrameLength).build();
        this.path = b.path;
        this.sink = new ClientSink(WebSocketSource.NAME, b.events(), b.host() + ":" + b.port() + b.path);
    }

    /** @return true: each message is acknowledged once its frame was written to the socket */
    @Override
    public boolean acknowledges() {
        return true;
    }

    /** @return counters: messages and bytes written, connections, errors */
    public TransportMetrics metrics() {
        return sink.metrics();
    }

    /**
     * Sends {@code elements} as described in the class documentation.
     *
     * @param elements messages to send; requested only as fast as they can be written
     * @return completes when every message has been written, errors on the first failure
     */
    @Override
    public Mono<Void> write(Flux<Message> elements) {
        return sink.reportFailures(ClientTls.with(tls, "sink websocket " + client.configuration().remoteAddress().get() + path, ctx ->
                ClientTls.secure(client, ctx).websocket(spec).uri(path).handle((in, out) -> {
            WriteAcks[] acks = new WriteAcks[1];
            out.withConnection(c -> {
                sink.track(c);
                acks[0] = WriteAcks.install(c);
                MaskingEncoder.install(c.channel().pipeline());
            });
            return out.sendObject(elements.handle((m, s) -> {
                if (m.size() > maxFrameLength) {
                    s.error(new RejectedMessageException(m, "message of " + m.size()
                            + " bytes exceeds the maximum frame length " + maxFrameLength));
                    return;
                }
                metrics().message(m.size());
                s.next(acks[0].expect(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(m.payload())), m));
            }), f -> false).then(out.sendClose(1000, null));
        }).then()));
    }
}
