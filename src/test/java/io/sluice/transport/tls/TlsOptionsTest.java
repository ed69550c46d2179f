package io.sluice.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code tls} YAML group: schema, defaults, conversion and per-side checks. */
class TlsOptionsTest {

    static final Path BASE = Path.of("/etc/sluice");

    @Test
    void sourceGroupResolvesFilesAgainstTheConfigDirectory() {
        OptionSpec spec = TlsOptions.tlsOption();
        EndpointOptions g = (EndpointOptions) spec.convert(Map.of("cert", "server.pem", "key", "server-key.pem",
                "clientCa", "ca.pem"));
        TlsOptions o = TlsOptions.from(g, Role.SOURCE, BASE);
        assertThat(o.cert()).isEqualTo(BASE.resolve("server.pem"));
        assertThat(o.key()).isEqualTo(BASE.resolve("server-key.pem"));
        assertThat(o.clientCa()).isEqualTo(BASE.resolve("ca.pem"));
        assertThat(o.engine()).isEqualTo(TlsOptions.Engine.AUTO);
        assertThat(o.reloadInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.files()).containsExactly(o.cert(), o.key(), o.clientCa());
    }

    @Test
    void sinkGroupVerifiesHostnamesByDefault() {
        EndpointOptions g = (EndpointOptions) TlsOptions.tlsOption().convert(Map.of("ca", "/pki/ca.pem",
                "engine", "jdk", "reloadInterval", "30s"));
        TlsOptions o = TlsOptions.from(g, Role.SINK, BASE);
        assertThat(o.ca()).isEqualTo(Path.of("/pki/ca.pem"));
        assertThat(o.verifyHostname()).isTrue();
        assertThat(o.engine()).isEqualTo(TlsOptions.Engine.JDK);
        assertThat(o.reloadInterval()).isEqualTo(Duration.ofSeconds(30));
        EndpointOptions off = (EndpointOptions) TlsOptions.tlsOption().convert(Map.of("verifyHostname", false));
        assertThat(TlsOptions.from(off, Role.SINK, BASE).verifyHostname()).isFalse();
        assertThat(TlsOptions.from(null, Role.SINK, BASE)).isNull();
    }

    @Test
    void misplacedOrIncompleteFieldsAreReportedTogether() {
        assertThatThrownBy(() -> TlsOptions.tlsOption().convert(Map.of("engine", "boring", "cert", "")))
                .hasMessageContaining("tls.engine: must be one of auto, openssl, jdk")
                .hasMessageContaining("tls.cert: must not be empty");
        EndpointOptions onlyCa = (EndpointOptions) TlsOptions.tlsOption().convert(Map.of("ca", "ca.pem"));
        assertThatThrownBy(() -> TlsOptions.from(onlyCa, Role.SOURCE, BASE))
                .hasMessageContaining("tls.cert and tls.key: required on a source")
                .hasMessageContaining("tls.ca: applies to sinks");
        EndpointOptions half = (EndpointOptions) TlsOptions.tlsOption().convert(Map.of("cert", "c.pem",
                "clientCa", "ca.pem"));
        assertThatThrownBy(() -> TlsOptions.from(half, Role.SINK, BASE))
                .hasMessageContaining("tls.cert and tls.key go together")
                .hasMessageContaining("tls.clientCa: applies to sources");
    }

    @Test
    void schemaMarksSideSpecificFields() {
        OptionSpec spec = TlsOptions.tlsOption();
        assertThat(spec.fields()).extracting(OptionSpec::name)
                .containsExactly("cert", "key", "ca", "clientCa", "engine", "verifyHostname", "reloadInterval");
        assertThat(field(spec, "clientCa").appliesTo(Role.SINK)).isFalse();
        assertThat(field(spec, "ca").appliesTo(Role.SOURCE)).isFalse();
        assertThat(field(spec, "engine").defaultValue()).isEqualTo("auto");
    }

    private static OptionSpec field(OptionSpec group, String name) {
        return group.fields().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aGrpcSinkRefusesVerifyHostnameOffInsteadOfIgnoringIt() {
        TlsOptions off = TlsOptions.client(BASE.resolve("ca.pem")).withVerifyHostname(false);
        assertThatThrownBy(() -> io.sluice.transport.Transports.grpc().host("localhost").port(9).tls(off).sink())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("verifyHostname false is not supported by the gRPC sink");
        // the other sinks honour it: building them with the same options succeeds
        io.sluice.transport.Transports.tcp().host("localhost").port(9).tls(off).sink();
    }
}
