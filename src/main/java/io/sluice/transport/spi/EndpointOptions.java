package io.sluice.transport.spi;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An endpoint's validated options: every value converted to its {@link OptionType}'s Java type and
 * every default applied, so factories read them without checks. A missing option without default
 * reads as null (or {@link Optional#empty()}).
 *
 * @param type the endpoint type (or group) these options belong to, for messages
 * @param values option name to converted value
 */
public record EndpointOptions(String type, Map<String, Object> values) {

    /** Copies the map. */
    public EndpointOptions {
        values = Map.copyOf(values);
    }

    /**
     * @param name option name
     * @param <V> value type
     * @return the value, if given or defaulted
     */
    @SuppressWarnings("unchecked")
    public <V> Optional<V> find(String name) {
        return Optional.ofNullable((V) values.get(name));
    }

    /**
     * @param name option name
     * @return whether it was given or has a default
     */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /**
     * @param name option name
     * @return the text value, or null
     */
    public String string(String name) {
        return (String) values.get(name);
    }

    /**
     * @param name option name
     * @return the whole-number value (also ports), or null
     */
    public Integer integer(String name) {
        return (Integer) values.get(name);
    }

    /**
     * @param name option name
     * @return the boolean value, or null
     */
    public Boolean bool(String name) {
        return (Boolean) values.get(name);
    }

    /**
     * @param name option name
     * @return the duration, or null
     */
    public Duration duration(String name) {
        return (Duration) values.get(name);
    }

    /**
     * @param name option name
     * @return the byte size, or null
     */
    public Long size(String name) {
        return (Long) values.get(name);
    }

    /**
     * @param name option name
     * @return the list of text values, or null
     */
    @SuppressWarnings("unchecked")
    public List<String> strings(String name) {
        return (List<String>) values.get(name);
    }

    /**
     * @param name option name
     * @return the text-to-text mapping, or null
     */
    @SuppressWarnings("unchecked")
    public Map<String, String> map(String name) {
        return (Map<String, String>) values.get(name);
    }

    /**
     * @param name a {@link OptionType#GROUP} option's name
     * @return its options, or null when absent
     */
    public EndpointOptions group(String name) {
        return (EndpointOptions) values.get(name);
    }
}
