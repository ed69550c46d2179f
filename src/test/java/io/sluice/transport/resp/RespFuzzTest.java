package io.sluice.transport.resp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;
import io.sluice.Message;
import io.sluice.event.ConnectionError;
import io.sluice.event.EventDispatcher;
import io.sluice.fuzz.ServerFuzzing;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fuzzes the RESP parser through a real {@code resp} source on 127.0.0.1: each input is written on a
 * fresh connection, which is then half-closed. The server must answer (replies, or
 * {@code -ERR Protocol error} for malformed input) and close within {@link ServerFuzzing#TIMEOUT_MS};
 * every answer byte must be a RESP reply type; the source must keep running; no connection error may
 * come from a programming error and nothing may leak ({@link ServerFuzzing#assertClean}). The small
 * limits (64-byte bulk strings, 8 arguments) make the fuzzer reach the limit checks. Corpus:
 * {@code RespFuzzTestInputs/request/}.
 */
class RespFuzzTest {

    private static final List<ConnectionError> ERRORS = new CopyOnWriteArrayList<>();
    private static final AtomicReference<Throwable> FAILED = new AtomicReference<>();
    private static final AtomicLong MESSAGES = new AtomicLong();
    private static int port;

    @BeforeAll
    static void start() {
        ServerFuzzing.init();
        EventDispatcher events = new EventDispatcher();
        events.on(ConnectionError.class, ERRORS::add);
        RespSource source = RespSource.builder().port(0).maxBulkLength(64).maxArguments(8).events(events).build();
        source.flux().subscribe((Message m) -> MESSAGES.incrementAndGet(), FAILED::set);
        port = source.boundAddress().map(InetSocketAddress::getPort).block(Duration.ofSeconds(30));
    }

    @FuzzTest(maxDuration = "10s")
    void request(byte[] bytes) throws Exception {
        byte[] answer = ServerFuzzing.exchange(port, bytes);
        if (FAILED.get() != null) {
            throw new AssertionError("the resp source failed", FAILED.get());
        }
        // every reply starts with a RESP type byte: simple string, error, integer, bulk, array
        int i = 0;
        while (i < answer.length) {
            byte t = answer[i];
            if ("+-:$*".indexOf(t) < 0) {
                throw new AssertionError("answer byte " + i + " is not a RESP reply: "
                        + new String(answer, java.nio.charset.StandardCharsets.ISO_8859_1));
            }
            int eol = indexOf(answer, i);
            if (eol < 0) {
                throw new AssertionError("unterminated reply at byte " + i);
            }
            if (t == '$') {
                int len = Integer.parseInt(new String(answer, i + 1, eol - i - 1, java.nio.charset.StandardCharsets.US_ASCII));
                eol = len < 0 ? eol : eol + len + 2;
            }
            i = eol + 2;
        }
        ServerFuzzing.assertClean(ERRORS);
    }

    private static int indexOf(byte[] a, int from) {
        for (int i = from; i + 1 < a.length; i++) {
            if (a[i] == '\r' && a[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
