package io.sluice.transport.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.sluice.Message;
import io.sluice.transport.auth.BearerTokens;
import io.sluice.transport.auth.ServerSecurity;
import io.sluice.transport.internal.ConnectionReporter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.netty.http.HttpOperations;

/**
 * What the connections of one bound {@link HttpSource} share: its configuration, permits, hand-off,
 * reporter and security, the count of requests being answered (a graceful close waits for them), and
 * the answers. Each connection is served by its own {@link IngestHandler} on its event loop (see
 * there for the request cycle); this class holds nothing per connection.
 */
final class RequestHandler {

    static final String NAME = "http";
    /** How long a refused request's body is read and discarded before the 503 (see Refusals). */
    static final long DISCARD_MS = 1000;

    /**
     * 202 on a kept-alive HTTP/1.1 connection, shared by every connection: its content is the
     * (unreleasable) empty buffer and the encoder only reads its headers, so writing it never changes it.
     */
    private static final FullHttpResponse ACCEPTED = build(HttpResponseStatus.ACCEPTED, false, false);
    /** 202 to an HTTP/1.0 client that asked for keep-alive (shared likewise). */
    private static final FullHttpResponse ACCEPTED_KEEP_ALIVE = build(HttpResponseStatus.ACCEPTED, false, true);

    final String path;
    final int maxBodySize;
    final Duration acceptTimeout;
    final Permits permits;
    final Handoff handoff;
    final ConnectionReporter reporter;
    final ServerSecurity security;
    /** With a persistent stage: answer 202 only once the message is durable. */
    final boolean awaitDurable;
    /** Requests whose answer is not written yet (a graceful close lets them finish). */
    final AtomicInteger answering = new AtomicInteger();
    /** The message headers of the last content type seen (see typeHeader). */
    private Map<String, String> lastType;

    RequestHandler(HttpSource.Config config, Permits permits, Handoff handoff, ConnectionReporter reporter,
                   ServerSecurity security, boolean awaitDurable) {
        this.security = security;
        this.awaitDurable = awaitDurable;
        this.path = config.path();
        this.maxBodySize = config.maxBodySize();
        this.acceptTimeout = config.acceptTimeout();
        this.permits = permits;
        this.handoff = handoff;
        this.reporter = reporter;
    }

    /** @return a connection's handler, to be installed in front of reactor-netty's request handling */
    IngestHandler newConnection() {
        return new IngestHandler(this);
    }

    /**
     * Routes a request by its path and method (the path compared as reactor-netty's {@code fullPath}:
     * without query and fragment).
     *
     * @param req a request, its headers just decoded
     * @param ch its connection
     * @param keepAlive whether the connection stays open after the answer
     * @param http10KeepAlive whether an HTTP/1.0 client asked for keep-alive
     * @return the answer refusing it (400 with the connection closed, 404, 405), or null: it is for this source
     */
    FullHttpResponse route(HttpRequest req, Channel ch, boolean keepAlive, boolean http10KeepAlive) {
        String uri = req.uri();
        String requested;
        try {
            requested = path.equals(uri) ? path : HttpOperations.resolvePath(uri);
        } catch (IllegalArgumentException malformed) {
            reject(remote(ch), "malformed request path: 400");
            return response(HttpResponseStatus.BAD_REQUEST, true, false);
        }
        if (!path.equals(requested)) {
            reject(remote(ch), "no such path " + requested + ": 404");
            return response(HttpResponseStatus.NOT_FOUND, !keepAlive, http10KeepAlive);
        }
        if (!HttpMethod.POST.equals(req.method())) {
            reject(remote(ch), "method " + req.method() + " not allowed: 405");
            FullHttpResponse r = response(HttpResponseStatus.METHOD_NOT_ALLOWED, !keepAlive, http10KeepAlive);
            r.headers().set(HttpHeaderNames.ALLOW, "POST");
            return r;
        }
        return null;
    }

    /**
     * @param status the answer
     * @param close whether the connection closes after it
     * @param http10KeepAlive whether an HTTP/1.0 client asked for keep-alive (then it is said)
     * @return an empty-bodied response
     */
    static FullHttpResponse response(HttpResponseStatus status, boolean close, boolean http10KeepAlive) {
        if (status == HttpResponseStatus.ACCEPTED && !close) {
            return http10KeepAlive ? ACCEPTED_KEEP_ALIVE : ACCEPTED;
        }
        return build(status, close, http10KeepAlive);
    }

    /** @return a new empty-bodied response (see {@link #response}) */
    private static FullHttpResponse build(HttpResponseStatus status, boolean close, boolean http10KeepAlive) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO);
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10KeepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return r;
    }

    /** @return 401 with the bearer challenge, closing the connection */
    static FullHttpResponse unauthorized() {
        FullHttpResponse r = response(HttpResponseStatus.UNAUTHORIZED, true, false);
        r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, BearerTokens.CHALLENGE);
        return r;
    }

    /**
     * @param headers the request's headers
     * @param payload its body
     * @param client the authenticated client, or null
     * @return the message: key from {@value HttpBuilder#KEY_HEADER}, header {@code content-type}
     */
    Message message(HttpHeaders headers, byte[] payload, String client) {
        String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
        String key = headers.get(HttpBuilder.KEY_HEADER);
        Message.Builder mb = Message.builder().payload(payload);
        if (client == null && key == null) { // the common case: one immutable header map, reused
            return type == null ? mb.build() : mb.headers(typeHeader(type)).build(); // Map.copyOf keeps it
        }
        if (client != null) {
            mb.header(ServerSecurity.CLIENT_HEADER, client);
        }
        if (key != null) {
            mb.key(key);
        }
        if (type != null) {
            mb.header("content-type", type);
        }
        return mb.build();
    }

    /** @return the headers of a message of this content type (senders repeat one type: the last one is kept) */
    private Map<String, String> typeHeader(String type) {
        Map<String, String> last = lastType; // immutable, so safely shared between event loops
        if (last != null && type.equals(last.get("content-type"))) {
            return last;
        }
        last = Map.of("content-type", type);
        lastType = last;
        return last;
    }

    /**
     * Counts an error, logs it (one WARN line, rate-limited) and publishes a
     * {@link io.sluice.event.ConnectionError}: every refused or broken request.
     *
     * @param remote the peer
     * @param reason why
     */
    void reject(String remote, String reason) {
        reporter.error(remote, reason, null);
    }

    /** @return the peer of a connection as text */
    static String remote(Channel ch) {
        return String.valueOf(ch.remoteAddress());
    }

    /** @return the declared length, or {@link Long#MAX_VALUE} when it is not a number */
    static long parseLength(String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }
}
