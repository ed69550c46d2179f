package io.sluice.transport.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;
import io.sluice.Message;
import io.sluice.event.ConnectionError;
import io.sluice.event.EventDispatcher;
import io.sluice.fuzz.ServerFuzzing;
import io.sluice.transport.Transports;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fuzzes the HTTP source's request handling through a real {@code http} source on 127.0.0.1 (reactor-netty's
 * HTTP codec, then {@link RequestHandler}): each input is written on a fresh connection, which is then
 * half-closed. Whatever the bytes, the server answers with statuses it documents (202, or a 4xx, 503 or
 * 505 refusal; never a 500) or closes without an answer, within {@link ServerFuzzing#TIMEOUT_MS}; the
 * source keeps running; no connection error comes from a programming error and nothing leaks
 * ({@link ServerFuzzing#assertClean}). A 64-byte body limit and 2 s header and body timeouts let the fuzzer
 * reach those paths. Corpus: {@code HttpRequestFuzzTestInputs/request/}.
 */
class HttpRequestFuzzTest {

    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.[01] (\\d{3})");
    private static final List<ConnectionError> ERRORS = new CopyOnWriteArrayList<>();
    private static final AtomicReference<Throwable> FAILED = new AtomicReference<>();
    private static final AtomicLong MESSAGES = new AtomicLong();
    private static int port;

    @BeforeAll
    static void start() {
        ServerFuzzing.init();
        EventDispatcher events = new EventDispatcher();
        events.on(ConnectionError.class, ERRORS::add);
        HttpSource source = Transports.http().port(0).maxBodySize(64).headerTimeout(Duration.ofSeconds(2))
                .bodyTimeout(Duration.ofSeconds(2)).events(events).source();
        source.flux().subscribe((Message m) -> MESSAGES.incrementAndGet(), FAILED::set);
        port = source.boundAddress().map(InetSocketAddress::getPort).block(Duration.ofSeconds(30));
    }

    @FuzzTest(maxDuration = "10s")
    void request(byte[] bytes) throws Exception {
        String answer = new String(ServerFuzzing.exchange(port, bytes), StandardCharsets.ISO_8859_1);
        if (FAILED.get() != null) {
            throw new AssertionError("the http source failed", FAILED.get());
        }
        Matcher m = STATUS.matcher(answer);
        while (m.find()) {
            if (m.start() > 0 && answer.charAt(m.start() - 1) != '\n') {
                continue; // in a body or header, not a status line
            }
            int status = Integer.parseInt(m.group(1));
            boolean documented = status == 202 || status == 100 || (status >= 400 && status < 500) || status == 503
                    || status == 505;
            if (!documented) {
                throw new AssertionError("status " + status + " is not one the http source documents: " + answer);
            }
        }
        ServerFuzzing.assertClean(ERRORS);
    }
}
