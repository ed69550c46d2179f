package io.sluice.transport.internal;

import java.time.Duration;
import java.util.Objects;

/** Argument checks the transport builders share; each names the option in its message. */
public final class Checks {

    private Checks() {
    }

    /**
     * @param name option name
     * @param value its value
     * @param min smallest allowed
     * @return {@code value}
     * @throws IllegalArgumentException when below {@code min}
     */
    public static int atLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", was " + value);
        }
        return value;
    }

    /**
     * @param name option name
     * @param value its value
     * @param min smallest allowed
     * @return {@code value}
     * @throws IllegalArgumentException when below {@code min}
     */
    public static long atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", was " + value);
        }
        return value;
    }

    /**
     * @param p a port
     * @return {@code p}
     * @throws IllegalArgumentException when outside 0..65535
     */
    public static int port(int p) {
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port out of range: " + p);
        }
        return p;
    }

    /**
     * @param p a URL path
     * @return {@code p}
     * @throws IllegalArgumentException when it does not start with {@code /}
     */
    public static String path(String p) {
        if (p == null || !p.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/': " + p);
        }
        return p;
    }

    /**
     * @param name option name
     * @param d a duration
     * @return {@code d}
     * @throws IllegalArgumentException when zero or negative
     */
    public static Duration positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
        return d;
    }

    /**
     * @param name option name
     * @param d a duration
     * @return {@code d}
     * @throws IllegalArgumentException when negative
     */
    public static Duration notNegative(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + d);
        }
        return d;
    }
}
