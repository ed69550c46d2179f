package io.sluice.transport.auth;

import io.sluice.transport.spi.EndpointOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Bearer-token settings of a server source, as written in YAML under {@code auth:}: the tokens file
 * (see {@link TokenAuthenticator} for its format) and how often it is checked for changes.
 *
 * @param tokensFile the tokens file
 * @param reloadInterval time between checks of the file; zero: only on SIGHUP
 */
public record AuthOptions(Path tokensFile, Duration reloadInterval) {

    /** Default time between checks of the tokens file. */
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);

    /** Checks the fields. */
    public AuthOptions {
        Objects.requireNonNull(tokensFile, "tokensFile");
        Objects.requireNonNull(reloadInterval, "reloadInterval");
        if (reloadInterval.isNegative()) {
            throw new IllegalArgumentException("auth.reloadInterval: must not be negative");
        }
    }

    /**
     * @param tokensFile the tokens file
     * @return settings checking it every {@link #DEFAULT_RELOAD_INTERVAL}
     */
    public static AuthOptions tokensFile(Path tokensFile) {
        return new AuthOptions(tokensFile, DEFAULT_RELOAD_INTERVAL);
    }

    /**
     * Reads a validated {@code auth} group ({@link TokenAuthenticator#authOption()}).
     *
     * @param group the group with defaults applied, or null
     * @param baseDir directory relative names are resolved against, or null (as given)
     * @return the settings, or null when {@code group} is null (no authentication)
     */
    public static AuthOptions from(EndpointOptions group, Path baseDir) {
        if (group == null) {
            return null;
        }
        String name = group.string("tokensFile");
        Duration interval = group.duration("reloadInterval");
        return new AuthOptions(baseDir == null ? Path.of(name) : baseDir.resolve(name),
                interval == null ? DEFAULT_RELOAD_INTERVAL : interval);
    }
}
