package io.sluice.gateway;

/**
 * One problem found in a gateway configuration file.
 *
 * @param line 1-based line in the YAML file (0 when the problem concerns the whole file)
 * @param message plain-language reason
 */
public record ConfigError(int line, String message) {

    @Override
    public String toString() {
        return line > 0 ? "line " + line + ": " + message : message;
    }
}
