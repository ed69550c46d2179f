package io.sluice.transport.http;

import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import io.sluice.transport.AbstractTransportContractTest;
import io.sluice.transport.Transports;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The transport contract for unary HTTP. An oversized body is answered 413 (the error names the
 * limit). The peer that disconnects is a plain socket sending its requests with
 * {@code Connection: close}: the HTTP sink keeps its connections in reactor-netty's pool. The
 * connection-bound clause is left out for the same reason (pooled connections are shared between
 * sinks); {@code HttpTransportTest} covers {@code maxConnections} with its own clients.
 */
class HttpContractTest extends AbstractTransportContractTest {

    @Override
    protected Source<Message> source(int maxMessageSize, EventDispatcher events) {
        return Transports.http().maxBodySize(maxMessageSize).events(events).source();
    }

    @Override
    protected Sink<Message> sink(String address) {
        return Transports.http().port(port(address)).sink();
    }

    @Override
    protected Mono<Void> sendAndDisconnect(String address, Flux<Message> messages) {
        return messages.concatMap(m -> Mono.fromRunnable(() -> post(port(address), m.payload()))
                        .subscribeOn(Schedulers.boundedElastic()))
                .then();
    }

    /** One POST on its own connection, which the client closes after the answer. */
    private static void post(int port, byte[] body) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = s.getInputStream();
            String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            if (!status.endsWith("202")) {
                throw new IllegalStateException("answered " + status);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
