package io.sluice.gateway;

/**
 * A gateway could not start: a server could not bind its address (port in use, address not local,
 * no permission). Everything already started was cancelled. The message is one line naming the
 * pipeline (or the admin server), the protocol and the address, and the reason.
 */
public final class GatewayStartException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String part;

    /**
     * @param part the pipeline's name, or {@code admin}
     * @param message one line: what could not start, where, why
     * @param cause the failure
     */
    public GatewayStartException(String part, String message, Throwable cause) {
        super(message, cause);
        this.part = part;
    }

    /** @return the name of the pipeline that could not start, or {@code admin} */
    public String part() {
        return part;
    }
}
