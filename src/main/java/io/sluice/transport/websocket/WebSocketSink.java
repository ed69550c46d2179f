package io.sluice.transport.websocket;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Sink;
import io.sluice.transport.TransportSupport;
import io.sluice.transport.TransportMetrics;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;

/**
 * WebSocket client sink: each {@link #write(Flux)} opens one WebSocket connection, sends every
 * message as one binary frame, then a normal close frame, and completes when done. Frames are
 * requested while the channel is writable and flushed in batches. A message larger than
 * {@code maxFrameLength} fails the write with an {@link IllegalArgumentException}.
 */
public final class WebSocketSink implements Sink<Message> {

    private static final String NAME = "websocket";

    private final String host;
    private final int port;
    private final String path;
    private final int maxFrameLength;
    private final EventDispatcher events;
    private final TransportMetrics metrics = new TransportMetrics(NAME);

    WebSocketSink(WebSocketBuilder b) {
        this.host = b.host;
        this.port = b.port;
        this.path = b.path;
        this.maxFrameLength = b.maxFrameLength;
        this.events = b.events;
    }

    /** @return counters: messages and bytes written, connections, errors */
    public TransportMetrics metrics() {
        return metrics;
    }

    /**
     * Sends {@code elements} as described in the class documentation.
     *
     * @param elements messages to send; requested only as fast as they can be written
     * @return completes when every message has been written, errors on the first failure
     */
    @Override
    public Mono<Void> write(Flux<Message> elements) {
        WebsocketClientSpec spec = WebsocketClientSpec.builder().maxFramePayloadLength(maxFrameLength).build();
        return HttpClient.create()
                .host(host)
                .port(port)
                .websocket(spec)
                .uri(path)
                .handle((in, out) -> {
                    out.withConnection(c -> {
                        String remote = String.valueOf(c.channel().remoteAddress());
                        metrics.connectionOpened();
                        dispatch(new ConnectionOpened(NAME, remote));
                        c.onDispose(() -> {
                            metrics.connectionClosed();
                            dispatch(new ConnectionClosed(NAME, remote));
                        });
                    });
                    return out.sendObject(elements.handle((m, sink) -> {
                        if (m.size() > maxFrameLength) {
                            sink.error(new IllegalArgumentException("message of " + m.size()
                                    + " bytes exceeds the maximum frame length " + maxFrameLength));
                            return;
                        }
                        metrics.message(m.size());
                        sink.next(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(m.payload())));
                    }), f -> false).then(out.sendClose());
                })
                .then()
                .doOnError(e -> {
                    metrics.error();
                    dispatch(new ConnectionError(NAME, host + ":" + port + path, String.valueOf(e.getMessage()), e));
                });
    }

    private void dispatch(Object event) {
        TransportSupport.publish(events, event);
    }
}
