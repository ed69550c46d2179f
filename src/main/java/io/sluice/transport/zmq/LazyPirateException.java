package io.sluice.transport.zmq;

/**
 * A {@link LazyPirateClient} request got no reply: every attempt (the first send and each retry on
 * a reopened socket) timed out.
 */
public final class LazyPirateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The server endpoint. */
    private final String endpoint;
    /** How many times the request was sent. */
    private final int attempts;

    /**
     * @param endpoint the server endpoint
     * @param attempts how many times the request was sent
     * @param timeoutMillis how long each attempt waited
     */
    public LazyPirateException(String endpoint, int attempts, long timeoutMillis) {
        super("no reply from " + endpoint + " after " + attempts + " attempts (1 send + " + (attempts - 1)
                + " retries), " + timeoutMillis + " ms timeout each; server unreachable or down");
        this.endpoint = endpoint;
        this.attempts = attempts;
    }

    /** @return the server endpoint */
    public String endpoint() {
        return endpoint;
    }

    /** @return how many times the request was sent */
    public int attempts() {
        return attempts;
    }
}
