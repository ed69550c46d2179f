package io.sluice.transport.http;

/** A request of an {@link HttpSink} was answered with a non-2xx status. */
public final class HttpStatusException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * @param status the HTTP status code received
     * @param uri the request target
     */
    public HttpStatusException(int status, String uri) {
        super("HTTP " + status + " from " + uri);
        this.status = status;
    }

    /** @return the HTTP status code received */
    public int status() {
        return status;
    }
}
