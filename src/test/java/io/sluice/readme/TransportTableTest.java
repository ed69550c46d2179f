package io.sluice.readme;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.cli.TransportTable;
import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.TransportProvider;
import io.sluice.transport.spi.TransportRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * README.md's transport table is the one {@link TransportTable} renders from the option schemas of
 * the built-in providers. After changing a provider, regenerate it with
 * {@code mvn -q test -Dtest=TransportTableTest -Dreadme.update=true} (or run this class's {@code main}).
 */
class TransportTableTest {

    static final Path README = Path.of("README.md");
    static final String BEGIN = "<!-- transports: generated from the providers' schemas, checked by TransportTableTest -->\n";
    static final String END = "<!-- transports: end -->";

    @Test
    void readmeShowsTheTableOfTheBuiltInProviders() throws IOException {
        String table = TransportTable.markdown(builtIn());
        if (Boolean.getBoolean("readme.update")) {
            update(table);
        }
        String readme = Files.readString(README);
        assertThat(readme).contains(BEGIN).contains(END);
        String shown = readme.substring(readme.indexOf(BEGIN) + BEGIN.length(), readme.indexOf(END));
        assertThat(shown).as("README transport table; regenerate: mvn -q test -Dtest=TransportTableTest"
                + " -Dreadme.update=true").isEqualTo(table);
    }

    @Test
    void theTableListsEveryBuiltInTypeAndNoTestOnlyOne() {
        String table = TransportTable.markdown(builtIn());
        for (String type : List.of("generator", "stdout", "discard", "dir", "file", "tcp", "udp", "http", "websocket",
                "grpc", "rsocket", "zmq-pull", "zmq-sub", "zmq-push", "zmq-pub")) {
            assertThat(table).contains("| **`" + type + "`** |");
        }
        assertThat(table).doesNotContain("`memory`")
                .contains("| | `sequenced` | both | boolean | `false` |")
                .contains("| | `framing` | both | `newline` / `length-prefixed` | `newline` |")
                .contains("| | `port` | both | port, **required** | |");
    }

    /** @return the types of the providers of src/main; the test class path adds a test-only transport */
    static Collection<EndpointType> builtIn() {
        List<TransportProvider> main = ServiceLoader.load(TransportProvider.class).stream()
                .filter(p -> !p.type().getProtectionDomain().getCodeSource().getLocation().getPath()
                        .contains("test-classes"))
                .map(ServiceLoader.Provider::get)
                .toList();
        return TransportRegistry.of(main).types();
    }

    private static void update(String table) throws IOException {
        String readme = Files.readString(README);
        int from = readme.indexOf(BEGIN) + BEGIN.length();
        int to = readme.indexOf(END);
        Files.writeString(README, readme.substring(0, from) + table + readme.substring(to));
    }

    /**
     * Rewrites the README's table from the schemas (run from the project directory).
     *
     * @param args unused
     * @throws IOException if README.md cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        update(TransportTable.markdown(builtIn()));
    }
}
