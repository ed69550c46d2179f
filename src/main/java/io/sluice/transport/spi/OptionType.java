package io.sluice.transport.spi;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kinds of option values in a gateway configuration, each with its validation and conversion from
 * what YAML gives (text, numbers, booleans, lists, mappings). Numbers may be written as numeric text
 * ({@code port: "7001"}).
 */
public enum OptionType {
    /** Non-empty text; numbers and booleans are taken as their text. Converts to {@link String}. */
    STRING,
    /** A TCP/UDP port, 0 to 65535. Converts to {@link Integer}. */
    PORT,
    /** A whole number of at least 1. Converts to {@link Integer}. */
    POSITIVE_INT,
    /** A whole number of at least 0. Converts to {@link Integer}. */
    NON_NEGATIVE_INT,
    /** Any whole number that fits an {@code int} (e.g. {@code -1} for "no limit"). Converts to {@link Integer}. */
    INT,
    /** A duration such as {@code 200us}, {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}. Converts to {@link Duration}. */
    DURATION,
    /** A byte size such as {@code 512}, {@code 64KiB}, {@code 10MiB}, {@code 1GiB}. Converts to {@link Long}. */
    SIZE,
    /** {@code true} or {@code false}. Converts to {@link Boolean}. */
    BOOLEAN,
    /** A list of text values. Converts to an unmodifiable {@code List<String>}. */
    STRING_LIST,
    /** A mapping of text keys to scalar values, e.g. client properties. Converts to {@code Map<String, String>}. */
    STRING_MAP,
    /**
     * A mapping with options of its own ({@link OptionSpec#fields()}), e.g. {@code tls: {cert, key}}.
     * Converted by {@link OptionSpec#convert(Object)} to an {@link EndpointOptions}.
     */
    GROUP;

    private static final Pattern DURATION_TEXT = Pattern.compile("(\\d+)\\s*(us|ms|s|m|h)");
    private static final Pattern SIZE_TEXT = Pattern.compile("(\\d+)\\s*(b|kib|mib|gib|kb|mb|gb)?");
    private static final Pattern INTEGER_TEXT = Pattern.compile("[+-]?\\d+");

    /**
     * @param raw value from YAML (String, Integer, Long, Boolean, List, Map)
     * @return the converted value
     * @throws IllegalArgumentException with a plain reason, e.g. "must be at least 1, was 0"
     */
    public Object convert(Object raw) {
        switch (this) {
            case STRING:
                if (raw instanceof String || raw instanceof Number || raw instanceof Boolean) {
                    String s = String.valueOf(raw);
                    if (s.isEmpty()) {
                        throw new IllegalArgumentException("must not be empty");
                    }
                    return s;
                }
                throw new IllegalArgumentException("must be text, was " + describe(raw));
            case PORT: {
                int p = integer(raw);
                if (p < 0 || p > 65535) {
                    throw new IllegalArgumentException("must be a port between 0 and 65535, was " + p);
                }
                return p;
            }
            case POSITIVE_INT: {
                int v = integer(raw);
                if (v < 1) {
                    throw new IllegalArgumentException("must be at least 1, was " + v);
                }
                return v;
            }
            case NON_NEGATIVE_INT: {
                int v = integer(raw);
                if (v < 0) {
                    throw new IllegalArgumentException("must be 0 or more, was " + v);
                }
                return v;
            }
            case INT:
                return integer(raw);
            case DURATION:
                return duration(raw);
            case SIZE:
                return size(raw);
            case BOOLEAN:
                if (raw instanceof Boolean) {
                    return raw;
                }
                throw new IllegalArgumentException("must be true or false, was " + describe(raw));
            case STRING_LIST:
                if (raw instanceof List<?> l && l.stream().allMatch(x -> x instanceof String)) {
                    return List.copyOf(l.stream().map(String.class::cast).toList());
                }
                throw new IllegalArgumentException("must be a list of text values, was " + describe(raw));
            case STRING_MAP:
                return stringMap(raw);
            case GROUP:
                throw new IllegalStateException("a group is converted by its OptionSpec");
            default:
                throw new IllegalStateException(name());
        }
    }

    private static int integer(Object raw) {
        if (raw instanceof Integer i) {
            return i;
        }
        if (raw instanceof Long || raw instanceof java.math.BigInteger) {
            throw new IllegalArgumentException("is too large: " + raw);
        }
        if (raw instanceof String s && INTEGER_TEXT.matcher(s.trim()).matches()) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException tooLarge) {
                throw new IllegalArgumentException("is too large: " + s.trim());
            }
        }
        throw new IllegalArgumentException("must be a whole number, was " + describe(raw));
    }

    /**
     * @param raw text such as {@code 500ms}
     * @return the duration
     * @throws IllegalArgumentException if it is not a duration
     */
    public static Duration duration(Object raw) {
        if (raw instanceof String s) {
            Matcher m = DURATION_TEXT.matcher(s.trim().toLowerCase(Locale.ROOT));
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                switch (m.group(2)) {
                    case "us":
                        return Duration.ofNanos(n * 1_000);
                    case "ms":
                        return Duration.ofMillis(n);
                    case "s":
                        return Duration.ofSeconds(n);
                    case "m":
                        return Duration.ofMinutes(n);
                    default:
                        return Duration.ofHours(n);
                }
            }
        }
        throw new IllegalArgumentException("must be a duration like 200us, 500ms, 5s, 2m or 1h, was " + describe(raw));
    }

    private static long size(Object raw) {
        if (raw instanceof Integer || raw instanceof Long) {
            long v = ((Number) raw).longValue();
            if (v < 1) {
                throw new IllegalArgumentException("must be at least 1 byte, was " + v);
            }
            return v;
        }
        if (raw instanceof String s) {
            Matcher m = SIZE_TEXT.matcher(s.trim().toLowerCase(Locale.ROOT));
            if (m.matches()) {
                long unit = switch (m.group(2) == null ? "b" : m.group(2)) {
                    case "kib" -> 1L << 10;
                    case "mib" -> 1L << 20;
                    case "gib" -> 1L << 30;
                    case "kb" -> 1_000L;
                    case "mb" -> 1_000_000L;
                    case "gb" -> 1_000_000_000L;
                    default -> 1L;
                };
                try {
                    long v = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
                    if (v >= 1) {
                        return v;
                    }
                } catch (ArithmeticException | NumberFormatException tooLarge) {
                    throw new IllegalArgumentException("is too large: " + s.trim());
                }
            }
        }
        throw new IllegalArgumentException("must be a size like 4096, 64KiB, 10MiB or 1GiB, was " + describe(raw));
    }

    private static Map<String, String> stringMap(Object raw) {
        if (raw instanceof Map<?, ?> m) {
            Map<String, String> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                Object v = e.getValue();
                if (!(e.getKey() instanceof String) || v instanceof Map || v instanceof List || v == null) {
                    throw new IllegalArgumentException("must map text keys to single values, was " + describe(raw));
                }
                out.put((String) e.getKey(), String.valueOf(v));
            }
            return Map.copyOf(out);
        }
        throw new IllegalArgumentException("must be a mapping, was " + describe(raw));
    }

    /**
     * @param raw a YAML value
     * @return how to name it in an error message
     */
    public static String describe(Object raw) {
        if (raw == null) {
            return "empty";
        }
        if (raw instanceof String) {
            return "'" + raw + "'";
        }
        if (raw instanceof List) {
            return "a list";
        }
        if (raw instanceof Map) {
            return "a mapping";
        }
        return String.valueOf(raw);
    }
}
