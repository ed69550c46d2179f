package io.sluice.transport.http;

import io.sluice.Message;
import io.sluice.transport.resilience.MessageFailure;
import java.time.Duration;
import java.util.Optional;

/**
 * A request of an {@link HttpSink} was answered with a non-2xx status. A 4xx other than 408 and 429
 * is a permanent rejection of its message ({@link #rejected()}: a
 * {@link io.sluice.transport.resilience.ResilientSink} dead-letters it); any other status may
 * succeed when retried, after the server's {@code Retry-After} if it gave one ({@link #retryAfter()}).
 */
public final class HttpStatusException extends RuntimeException implements MessageFailure {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient Message message;
    private final Duration retryAfter;

    /**
     * @param status the HTTP status code received
     * @param uri the request target
     */
    public HttpStatusException(int status, String uri) {
        this(status, uri, null, null);
    }

    /**
     * @param status the HTTP status code received
     * @param uri the request target
     * @param message the message the request carried, or null
     * @param retryAfter the server's {@code Retry-After}, or null
     */
    public HttpStatusException(int status, String uri, Message message, Duration retryAfter) {
        super("HTTP " + status + " from " + uri);
        this.status = status;
        this.message = message;
        this.retryAfter = retryAfter;
    }

    /** @return the HTTP status code received */
    public int status() {
        return status;
    }

    /** @return true for a 4xx other than 408 (timeout) and 429 (too many requests): retrying cannot help */
    public boolean permanent() {
        return status / 100 == 4 && status != 408 && status != 429;
    }

    @Override
    public Optional<Message> rejected() {
        return permanent() ? Optional.ofNullable(message) : Optional.empty();
    }

    @Override
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    @Override
    public String reason() {
        return getMessage();
    }

    /**
     * @param value a {@code Retry-After} header: delay-seconds or an HTTP date
     * @return the wait it asks for (zero for a date in the past), or null when absent or unreadable
     */
    static Duration parseRetryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException notSeconds) {
            try {
                java.time.ZonedDateTime at = java.time.ZonedDateTime.parse(v, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(java.time.Instant.now(), at.toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (java.time.format.DateTimeParseException notDate) {
                return null;
            }
        }
    }
}
