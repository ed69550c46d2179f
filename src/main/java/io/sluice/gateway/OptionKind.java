package io.sluice.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Types of configuration option values, with validation and conversion. */
enum OptionKind {
    STRING, PORT, POSITIVE_INT, NON_NEGATIVE_INT, DURATION, BOOLEAN, STRING_LIST;

    private static final Pattern DURATION_TEXT = Pattern.compile("(\\d+)\\s*(us|ms|s|m|h)");

    /**
     * @param raw value from YAML (String, Integer, Boolean, List)
     * @return the converted value
     * @throws IllegalArgumentException with a plain reason
     */
    Object convert(Object raw) {
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
            case DURATION:
                return duration(raw);
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
            default:
                throw new IllegalStateException(name());
        }
    }

    private static int integer(Object raw) {
        if (raw instanceof Integer i) {
            return i;
        }
        if (raw instanceof java.math.BigInteger) {
            throw new IllegalArgumentException("is too large: " + raw);
        }
        throw new IllegalArgumentException("must be a whole number, was " + describe(raw));
    }

    static Duration duration(Object raw) {
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

    static String describe(Object raw) {
        if (raw == null) {
            return "empty";
        }
        if (raw instanceof String) {
            return "'" + raw + "'";
        }
        if (raw instanceof List) {
            return "a list";
        }
        if (raw instanceof java.util.Map) {
            return "a mapping";
        }
        return String.valueOf(raw);
    }
}
