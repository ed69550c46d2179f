package io.sluice.gateway;

import java.util.List;
import java.util.stream.Collectors;

/** A gateway configuration is invalid; {@link #errors()} lists every problem found, with its line. */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient List<ConfigError> errors;

    /** @param errors the problems, at least one */
    public ConfigException(List<ConfigError> errors) {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    /** @return every problem, in file order */
    public List<ConfigError> errors() {
        return errors;
    }
}
