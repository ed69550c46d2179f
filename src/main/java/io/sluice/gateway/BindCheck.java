package io.sluice.gateway;

import io.sluice.transport.spi.Bind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Finds two parts of one configuration (pipeline endpoints, the admin server) that would listen on the
 * same protocol and port on overlapping hosts: a wildcard ({@code 0.0.0.0}, {@code ::}, {@code *})
 * overlaps every host and {@code localhost} is {@code 127.0.0.1}. TCP and UDP ports are apart; port 0
 * (any free port) never clashes.
 */
final class BindCheck {

    private static final Set<String> WILDCARD = Set.of("0.0.0.0", "::", "[::]", "*", "");

    /**
     * @param owner who binds, as messages name it first ({@code pipeline 'a' source})
     * @param other the same, as messages name it second ({@code pipeline 'a'})
     * @param bind what it binds
     * @param line where it is defined
     */
    private record Claim(String owner, String other, Bind bind, int line) {
    }

    private final List<Claim> claims = new ArrayList<>();

    /**
     * @param owner who binds, e.g. {@code pipeline 'a' source}
     * @param other the same as the second party of a message, e.g. {@code pipeline 'a'}
     * @param binds what it binds
     * @param line where it is defined
     */
    void add(String owner, String other, List<Bind> binds, int line) {
        for (Bind b : binds) {
            if (b.port() != 0) {
                claims.add(new Claim(owner, other, b, line));
            }
        }
    }

    /** Reports every claim that overlaps an earlier one, naming the first it overlaps. */
    void report(YamlNodes yaml) {
        for (int i = 0; i < claims.size(); i++) {
            Claim c = claims.get(i);
            for (int j = 0; j < i; j++) {
                Claim earlier = claims.get(j);
                if (overlap(c.bind(), earlier.bind())) {
                    Bind b = c.bind();
                    yaml.error(c.line(), c.owner() + " binds " + b.protocol().name().toLowerCase(Locale.ROOT) + " "
                            + b.host() + ":" + b.port() + ", which " + earlier.other() + " binds already (line "
                            + earlier.line() + ")");
                    break;
                }
            }
        }
    }

    static boolean overlap(Bind a, Bind b) {
        if (a.protocol() != b.protocol() || a.port() != b.port()) {
            return false;
        }
        String x = host(a.host());
        String y = host(b.host());
        return x.equals(y) || WILDCARD.contains(x) || WILDCARD.contains(y);
    }

    private static String host(String host) {
        String h = host == null ? "" : host.trim().toLowerCase(Locale.ROOT);
        return "localhost".equals(h) ? "127.0.0.1" : h;
    }
}
