package io.sluice.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/wire-formats.md} shows every example the interop suite runs, verbatim, each in its
 * own fenced block, and links to its file; every transport has a client and a receiver example.
 */
class WireFormatsDocTest {

    private static final Path DOC = Path.of("docs/wire-formats.md");
    private static final Path EXAMPLES = Path.of("src/test/resources/interop");

    @Test
    void everyInteropExampleIsInTheDocVerbatim() throws Exception {
        String doc = Files.readString(DOC);
        List<Path> examples;
        try (Stream<Path> s = Files.list(EXAMPLES)) {
            examples = s.sorted().toList();
        }
        assertThat(examples).hasSizeGreaterThanOrEqualTo(18);
        for (Path p : examples) {
            String name = p.getFileName().toString();
            String lang = name.endsWith(".py") ? "python" : "sh";
            String block = "```" + lang + "\n" + Files.readString(p).stripTrailing() + "\n```";
            assertThat(doc).as("docs/wire-formats.md shows %s verbatim", name).contains(block);
            assertThat(doc).as("docs/wire-formats.md links %s", name).contains("(../src/test/resources/interop/" + name + ")");
        }
    }

    @Test
    void everyTransportHasAClientAndAReceiverExample() {
        for (String t : List.of("tcp-newline", "tcp-length", "udp", "http", "websocket", "grpc", "rsocket", "zmq")) {
            assertThat(Stream.of(".sh", ".py").anyMatch(ext -> Files.exists(EXAMPLES.resolve(t + "-client" + ext))))
                    .as("client example for %s", t).isTrue();
            assertThat(Stream.of(".sh", ".py").anyMatch(ext -> Files.exists(EXAMPLES.resolve(t + "-receiver" + ext))))
                    .as("receiver example for %s", t).isTrue();
        }
    }
}
