package io.sluice.fuzz;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import org.junit.jupiter.api.Test;

/** The fuzz harness's stack-trace check: a real trace fails an input, the client's own text echoed does not. */
class ServerFuzzingTest {

    @Test
    void aStackTracePrintedToStandardErrorFailsTheInput() {
        ServerFuzzing.init();
        ServerFuzzing.assertClean(new ArrayList<>()); // starts clean
        new IllegalStateException("outer", new IllegalArgumentException("inner")).printStackTrace();
        AssertionError e = assertThrows(AssertionError.class, () -> ServerFuzzing.assertClean(new ArrayList<>()));
        assertTrue(e.getMessage().contains("\tat io.sluice.fuzz.ServerFuzzingTest"), e.getMessage());
        assertTrue(e.getMessage().contains("Caused by: java.lang.IllegalArgumentException: inner"), e.getMessage());
        // reported once: the next input starts clean
        assertDoesNotThrow(() -> ServerFuzzing.assertClean(new ArrayList<>()));
    }

    @Test
    void aRequestLineEchoedByALogLineIsNoStackTrace() {
        ServerFuzzing.init();
        ServerFuzzing.assertClean(new ArrayList<>());
        // what reactor-netty logs for a request line it cannot decode (fuzz finding of 2026-12-03, 788,096 runs)
        System.err.println("[reactor-http-epoll-2] WARN reactor.netty.http.server.HttpServerOperations - Decoding failed:"
                + " REQUEST(decodeResult: failure(java.lang.NumberFormatException), version: HTTP/1.1)");
        System.err.println("Caused by: HTTP/1.1");
        System.err.println("Host: <filtered>");
        System.err.println("Caused by: HTTP/1.1");
        assertDoesNotThrow(() -> ServerFuzzing.assertClean(new ArrayList<>()));
    }
}
