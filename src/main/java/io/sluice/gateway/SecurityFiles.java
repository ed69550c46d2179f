package io.sluice.gateway;

import io.sluice.transport.auth.AuthOptions;
import io.sluice.transport.auth.TokenAuthenticator;
import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.Role;
import io.sluice.transport.tls.TlsContext;
import io.sluice.transport.tls.TlsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * The files an endpoint's {@code tls}, {@code auth} and {@code curve} groups name: resolved against the configuration
 * file's directory (so the endpoint gets absolute names), checked to exist, and read once as the
 * endpoint will read them (PEM parsing, key matching its certificate, the tokens file's syntax), each
 * problem reported with the line of the field that names the file.
 */
final class SecurityFiles {

    private static final List<String> TLS_FILES = List.of("cert", "key", "ca", "clientCa");
    private static final List<String> AUTH_FILES = List.of("tokensFile");
    private static final List<String> SINK_AUTH_FILES = List.of("tokenFile");
    private static final List<String> CURVE_FILES = List.of("secretKey", "allowedClients", "serverKey");

    private final YamlNodes yaml;
    private final Path baseDir;

    /**
     * @param yaml where problems are reported
     * @param baseDir the configuration file's directory, or null (the working directory)
     */
    SecurityFiles(YamlNodes yaml, Path baseDir) {
        this.yaml = yaml;
        this.baseDir = baseDir;
    }

    /**
     * @param o an endpoint's valid options
     * @param node its mapping
     * @param role its side
     * @param what how messages name it
     * @return the options with absolute file names, or null after reporting a problem
     */
    EndpointOptions check(EndpointOptions o, MappingNode node, Role role, String what) {
        return check(o, node, role, role, what);
    }

    /**
     * @param o an endpoint's valid options
     * @param node its mapping
     * @param role its side (decides the {@code auth} group's form)
     * @param tlsRole the TLS side: {@link Role#SOURCE} when the endpoint binds (a server), else
     *     {@link Role#SINK} (differs from {@code role} where the roles swap, e.g. RSocket {@code mode: stream})
     * @param what how messages name it
     * @return the options with absolute file names, or null after reporting a problem
     */
    EndpointOptions check(EndpointOptions o, MappingNode node, Role role, Role tlsRole, String what) {
        if (o.group("tls") == null && o.group("auth") == null && o.group("curve") == null) {
            return o;
        }
        Map<String, Object> values = new LinkedHashMap<>(o.values());
        boolean ok = true;
        EndpointOptions curve = o.group("curve");
        if (curve != null) { // ZeroMQ CURVE key files: resolved and checked to exist here, parsed when the socket opens
            curve = resolve(curve, CURVE_FILES, node, what);
            ok = curve != null;
            values.put("curve", curve);
        }
        EndpointOptions tls = o.group("tls");
        if (tls != null) {
            tls = resolve(tls, TLS_FILES, node, what);
            ok &= tls != null;
            values.put("tls", tls);
        }
        EndpointOptions auth = o.group("auth");
        if (auth != null) {
            auth = resolve(auth, role == Role.SINK ? SINK_AUTH_FILES : AUTH_FILES, node, what);
            ok &= auth != null;
            values.put("auth", auth);
        }
        if (!ok) {
            return null;
        }
        int tlsLine = groupLine(node, "tls");
        try {
            TlsOptions t = TlsOptions.from(tls, tlsRole, null);
            if (t != null) {
                try (TlsContext c = TlsContext.open(t.withReloadInterval(java.time.Duration.ZERO), what)) {
                    c.certificate();
                }
            }
        } catch (RuntimeException e) {
            for (String line : String.valueOf(e.getMessage()).split("\n")) {
                yaml.error(tlsLine, what + " " + (line.startsWith("tls") ? line : "tls: " + line));
            }
            ok = false;
        }
        if (auth != null && role == Role.SINK) {
            try {
                io.sluice.transport.auth.SinkToken.from(auth, null).current();
            } catch (RuntimeException e) {
                yaml.error(groupLine(node, "auth"), what + " " + e.getMessage());
                ok = false;
            }
        } else if (auth != null) {
            AuthOptions a = AuthOptions.from(auth, null);
            try (TokenAuthenticator t = TokenAuthenticator.open(a.tokensFile(), java.time.Duration.ZERO, what)) {
                t.size();
            } catch (RuntimeException e) {
                yaml.error(groupLine(node, "auth"), what + " auth: " + e.getMessage());
                ok = false;
            }
        }
        return ok ? new EndpointOptions(o.type(), values) : null;
    }

    private EndpointOptions resolve(EndpointOptions group, List<String> fields, MappingNode node, String what) {
        Map<String, Object> values = new LinkedHashMap<>(group.values());
        boolean ok = true;
        for (String f : fields) {
            String name = group.string(f);
            if (name == null) {
                continue;
            }
            Path p = (baseDir == null ? Path.of(name) : baseDir.resolve(name)).toAbsolutePath().normalize();
            if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                yaml.error(fieldLine(node, group.type(), f), what + " " + group.type() + "." + f + ": "
                        + (Files.exists(p) ? "cannot read " : "no such file ") + p);
                ok = false;
            }
            values.put(f, p.toString());
        }
        return ok ? new EndpointOptions(group.type(), values) : null;
    }

    private static int groupLine(MappingNode node, String group) {
        NodeTuple t = YamlNodes.find(node, group);
        return YamlNodes.line(t == null ? node : t.getKeyNode());
    }

    private static int fieldLine(MappingNode node, String group, String field) {
        NodeTuple g = YamlNodes.find(node, group);
        if (g != null && g.getValueNode() instanceof MappingNode m) {
            NodeTuple f = YamlNodes.find(m, field);
            if (f != null) {
                return YamlNodes.line(f.getValueNode());
            }
        }
        return groupLine(node, group);
    }
}
