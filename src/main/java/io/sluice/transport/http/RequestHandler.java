package io.sluice.transport.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.sluice.Message;
import io.sluice.transport.auth.BearerTokens;
import io.sluice.transport.auth.ServerSecurity;
import io.sluice.event.ConnectionError;
import io.sluice.transport.internal.AwaitedAck;
import io.sluice.transport.internal.ConnectionReporter;
import io.sluice.transport.internal.TransportSupport;
import io.sluice.transport.internal.CloseReasons;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Answers the requests of one bound {@link HttpSource}: routes, checks the size, waits for room in
 * the hand-off <em>before</em> reading the body (reactor-netty reads a request's body only once it
 * is subscribed, so a waiting request keeps its socket unread), reads the body, offers the message
 * and answers 202, 413 or 503 (see {@link HttpSource}).
 */
final class RequestHandler {

    static final String NAME = "http";
    /** How long a refused request's body is read and discarded before the 503 (see unavailableUnread). */
    static final long DISCARD_MS = 1000;

    private final String path;
    private final int maxBodySize;
    private final Duration acceptTimeout;
    private final Permits permits;
    private final Handoff handoff;
    private final ConnectionReporter reporter;
    private final ServerSecurity security;
    /** With a persistent stage: answer 202 only once the message is durable. */
    private final boolean awaitDurable;
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

    Mono<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        // the peer's address as text only when a request is refused (formatting it costs)
        Remote remote = new Remote(req);
        // the common case costs a string compare: the request's URI is the path itself
        String uri = req.uri();
        String requested = path.equals(uri) ? path : TransportSupport.requestPath(req);
        if (requested == null) {
            reject(remote, "malformed request path: 400");
            return res.status(HttpResponseStatus.BAD_REQUEST).header(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                    .send();
        }
        if (!path.equals(requested)) {
            reject(remote, "no such path " + requested + ": 404");
            return res.status(HttpResponseStatus.NOT_FOUND).send();
        }
        if (!HttpMethod.POST.equals(req.method())) {
            reject(remote, "method " + req.method() + " not allowed: 405");
            return res.status(HttpResponseStatus.METHOD_NOT_ALLOWED).header(HttpHeaderNames.ALLOW, "POST").send();
        }
        ServerSecurity.Verdict who = security.authenticate(req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION),
                channel(req), req.remoteAddress());
        if (!who.accepted()) {
            // refused before the body is read; the connection closes so the unread body is not parsed
            return res.status(HttpResponseStatus.UNAUTHORIZED)
                    .header(HttpHeaderNames.WWW_AUTHENTICATE, BearerTokens.CHALLENGE)
                    .header(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE).send();
        }
        String declaredHeader = req.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        long declared = declaredHeader == null ? -1 : parseLength(declaredHeader);
        if (declared > maxBodySize) {
            return tooLarge(res, remote, declaredHeader + " bytes declared");
        }
        if (handoff.isRefusing()) {
            return unavailableUnread(req, res, remote, "source is shutting down");
        }
        Permits.Permit free = permits.tryAcquire();
        if (free != null) { // the common case: room now; no asynchronous wait to set up
            return receiveHolding(req, res, remote, declared, free, who.identity());
        }
        return permits.acquire(acceptTimeout).flatMap(p -> p.granted()
                ? receiveHolding(req, res, remote, declared, p, who.identity())
                : unavailableUnread(req, res, remote, handoff.isRefusing() ? "source is shutting down"
                        : "no room in the hand-off within " + acceptTimeout));
    }

    /** {@link #receive}, giving the permit back whatever the outcome. */
    private Mono<Void> receiveHolding(HttpServerRequest req, HttpServerResponse res, Remote remote, long declared,
                                      Permits.Permit permit, String client) {
        return receive(req, res, remote, declared, permit, client).doFinally(s -> permit.release());
    }

    private Mono<Void> receive(HttpServerRequest req, HttpServerResponse res, Remote remote, long declared,
                               Permits.Permit permit, String client) {
        Body body = new Body(maxBodySize, declared);
        return req.receive()
                .doOnNext(body::add)
                .then(Mono.defer(() -> received(req, res, remote, declared, permit, client, body)))
                .onErrorResume(e -> e instanceof BodyTooLarge
                        ? tooLarge(res, remote, "more than " + maxBodySize + " bytes sent")
                        : incomplete(req, res, remote, body, declared, e));
    }

    /** The whole body is in: offers the message and answers (202, or 503 when it was refused). */
    private Mono<Void> received(HttpServerRequest req, HttpServerResponse res, Remote remote, long declared,
                                Permits.Permit permit, String client, Body body) {
        if (declared >= 0 && body.size != declared) {
            return Mono.error(new IllegalStateException("body ended after " + body.size
                    + " of " + declared + " declared bytes"));
        }
        AwaitedAck durable = awaitDurable ? new AwaitedAck() : null;
        Message m = durable == null ? message(req, body.bytes(), client)
                : durable.attach(message(req, body.bytes(), client));
        Handoff.Outcome outcome = handoff.offer(m, permit);
        Boolean now = outcome.now(); // known at once unless another thread is delivering it right now
        if (now != null) {
            return answer(res, remote, m, durable, now);
        }
        return outcome.later().flatMap(accepted -> answer(res, remote, m, durable, accepted));
    }

    private Mono<Void> answer(HttpServerResponse res, Remote remote, Message m, AwaitedAck durable, boolean accepted) {
        if (!accepted) {
            return unavailable(res, remote, "the pipeline refused the message", false);
        }
        reporter.metrics().message(m.size());
        if (durable == null) {
            return res.status(HttpResponseStatus.ACCEPTED).send();
        }
        return durable.outcome(AwaitedAck.waitFor(acceptTimeout)).flatMap(refusal -> refusal.isEmpty()
                ? res.status(HttpResponseStatus.ACCEPTED).send()
                : unavailable(res, remote, refusal.get(), false));
    }

    private Message message(HttpServerRequest req, byte[] payload, String client) {
        HttpHeaders h = req.requestHeaders();
        String type = h.get(HttpHeaderNames.CONTENT_TYPE);
        String key = h.get(HttpBuilder.KEY_HEADER);
        if (client == null && key == null) { // the common case: one immutable header map, reused
            Message.Builder mb = Message.builder().payload(payload);
            return type == null ? mb.build() : mb.headers(typeHeader(type)).build(); // Map.copyOf keeps it
        }
        Message.Builder mb = Message.builder().payload(payload);
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

    private static Channel channel(HttpServerRequest req) {
        if (req instanceof Connection c) { // reactor-netty's request is its connection's operations
            return c.channel();
        }
        Channel[] ch = new Channel[1];
        req.withConnection(c -> ch[0] = c.channel());
        return ch[0];
    }

    /** The body could not be read to its end (typically the client went away mid-body). */
    private Mono<Void> incomplete(HttpServerRequest req, HttpServerResponse res, Remote remote, Body body,
                                  long declared, Throwable e) {
        String of = declared >= 0 ? " of " + declared : "";
        Channel ch = channel(req);
        if (ch != null && CloseReasons.of(ch) != null) {
            return Mono.empty(); // the source closed it (body_timeout): reported as such when it closes
        }
        reject(remote, "request body incomplete after " + body.size + of + " bytes, no message: " + e, e);
        if (ch == null || !ch.isActive()) {
            return Mono.empty();
        }
        return res.status(HttpResponseStatus.BAD_REQUEST).header(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE).send();
    }

    private Mono<Void> tooLarge(HttpServerResponse res, Remote remote, String detail) {
        reject(remote, "body too large (" + detail + ", maximum " + maxBodySize + "): 413");
        return res.status(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE).header(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE).send();
    }

    /**
     * 503 for a request whose body was not read (it waited for room in vain, or the source is
     * stopping). The body is read and discarded first (at most {@code maxBodySize} bytes, for at most
     * {@value #DISCARD_MS} ms): the connection is closed after the answer, and closing a socket with
     * unread bytes makes the kernel send a TCP reset, which can destroy the 503 before the client
     * read it. A body that is larger or slower is not waited for.
     */
    private Mono<Void> unavailableUnread(HttpServerRequest req, HttpServerResponse res, Remote remote, String detail) {
        long[] seen = new long[1];
        return req.receive()
                .doOnNext(chunk -> {
                    seen[0] += chunk.readableBytes();
                    if (seen[0] > maxBodySize) {
                        throw new BodyTooLarge();
                    }
                })
                .then()
                .timeout(Duration.ofMillis(DISCARD_MS))
                .onErrorResume(e -> Mono.empty())
                .then(Mono.defer(() -> unavailable(res, remote, detail, true)));
    }

    /**
     * 503. {@code bodyUnread}: the body was not read, so the connection cannot be reused for the
     * next request and is closed after the answer.
     */
    private Mono<Void> unavailable(HttpServerResponse res, Remote remote, String detail, boolean bodyUnread) {
        reject(remote, "pipeline cannot accept the message (" + detail + "): 503");
        HttpServerResponse r = res.status(HttpResponseStatus.SERVICE_UNAVAILABLE);
        if (bodyUnread) {
            r.header(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r.send();
    }

    /**
     * Counts an error, logs it (one WARN line, rate-limited) and publishes a {@link ConnectionError}:
     * every refused or broken request.
     */
    void reject(String remote, String reason) {
        reporter.error(remote, reason, null);
    }

    private void reject(Remote remote, String reason) {
        reject(remote, reason, null);
    }

    private void reject(Remote remote, String reason, Throwable e) {
        reporter.error(remote.toString(), reason, e);
    }

    /** The peer of a request, formatted when first needed. */
    private static final class Remote {
        private final HttpServerRequest req;
        private String text;

        Remote(HttpServerRequest req) {
            this.req = req;
        }

        @Override
        public String toString() {
            if (text == null) {
                text = String.valueOf(req.remoteAddress());
            }
            return text;
        }
    }

    private static long parseLength(String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Accumulates a request body by copying each chunk out of its (then released) buffer. */
    private static final class Body {
        private static final byte[] EMPTY = new byte[0];
        private final int max;
        private byte[] bytes;
        int size;

        /** @param declared the Content-Length, or -1: the array is allocated at that size once */
        Body(int max, long declared) {
            this.max = max;
            this.bytes = declared > 0 && declared <= max ? new byte[(int) declared] : EMPTY;
        }

        void add(ByteBuf chunk) {
            int n = chunk.readableBytes();
            if ((long) size + n > max) {
                throw new BodyTooLarge();
            }
            if (size + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.min(max, Math.max(size + n, bytes.length * 2)));
            }
            chunk.readBytes(bytes, size, n);
            size += n;
        }

        byte[] bytes() {
            return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
        }
    }

    private static final class BodyTooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BodyTooLarge() {
            super(null, null, false, false);
        }
    }
}
