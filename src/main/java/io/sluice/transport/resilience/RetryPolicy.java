package io.sluice.transport.resilience;

import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import java.time.Duration;
import java.util.Objects;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

/**
 * How a {@link ResilientSink} retries: exponential backoff from {@code initial}, doubling up to
 * {@code max}, with 50% jitter (Reactor's {@link Retry#backoff}), at most {@code maxAttempts}
 * failed attempts in a row ({@code -1}: for ever). A write that makes progress again (a message
 * acknowledged by the receiver) resets the count and the backoff. YAML:
 * {@code retry: {initial: 100ms, max: 10s, maxAttempts: -1}} on a sink.
 *
 * @param initial first wait
 * @param max longest wait
 * @param maxAttempts failed attempts in a row before the write fails; -1 for no limit
 */
public record RetryPolicy(Duration initial, Duration max, long maxAttempts) {

    /** The defaults: 100 ms, 10 s, no limit. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(10), -1);

    /** Checks the values. */
    public RetryPolicy {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("retry: need 0 < initial <= max, got initial " + initial + ", max " + max);
        }
        if (maxAttempts < -1 || maxAttempts == 0) {
            throw new IllegalArgumentException("retry: maxAttempts must be -1 (no limit) or at least 1, got " + maxAttempts);
        }
    }

    /** @return the {@code retry} option group of a sink */
    public static OptionSpec option() {
        return OptionSpec.group("retry", "reconnect and resend with exponential backoff and jitter; present => on",
                OptionSpec.optional("initial", OptionType.DURATION, DEFAULT.initial(), "first wait"),
                OptionSpec.optional("max", OptionType.DURATION, DEFAULT.max(), "longest wait"),
                OptionSpec.optional("maxAttempts", OptionType.INT, -1, "failed attempts in a row before the pipeline fails; -1: no limit"));
    }

    /**
     * @param group a validated {@code retry} group
     * @return the policy it describes
     */
    public static RetryPolicy of(EndpointOptions group) {
        return new RetryPolicy(group.duration("initial"), group.duration("max"), group.integer("maxAttempts"));
    }

    /** @return Reactor's backoff spec for this policy (attempt count reset by progress) */
    RetryBackoffSpec spec() {
        return Retry.backoff(maxAttempts < 0 ? Long.MAX_VALUE : maxAttempts, initial)
                .maxBackoff(max)
                .jitter(0.5)
                .transientErrors(true);
    }
}
