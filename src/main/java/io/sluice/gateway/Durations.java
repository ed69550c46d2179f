package io.sluice.gateway;

import java.time.Duration;

/** Parses durations written as in configuration files: {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}. */
public final class Durations {

    private Durations() {
    }

    /**
     * @param text e.g. {@code 30s}
     * @return the duration
     * @throws IllegalArgumentException with a plain reason
     */
    public static Duration parse(String text) {
        return io.sluice.transport.spi.OptionType.duration(text);
    }
}
