package io.sluice.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** README.md must show exactly the example code that {@link ReadmeExamplesTest} compiles and runs. */
class ReadmeSyncTest {

    private static final Pattern BLOCK = Pattern.compile("// README: (\\w+)\\n(.*?)\\n\\s*// README: end", Pattern.DOTALL);

    @Test
    void readmeContainsTheTestedExamplesVerbatim() throws IOException {
        String test = Files.readString(Path.of("src/test/java/io/sluice/readme/ReadmeExamplesTest.java"));
        String readme = Files.readString(Path.of("README.md"));
        List<String> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(test);
        while (m.find()) {
            blocks.add(dedent(m.group(2)));
        }
        assertThat(blocks).hasSize(2);
        for (String block : blocks) {
            assertThat(readme).contains(block);
        }
    }

    @Test
    void readmeGivesTheCiTestCommand() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String ci = Files.readString(Path.of(".ci/run"));
        String testCommand = "mvn -B verify";
        assertThat(readme).contains("```\n" + testCommand + "\n```");
        assertThat(ci).contains("\n" + testCommand + "\n");
    }

    private static String dedent(String block) {
        String[] lines = block.split("\n");
        int indent = Integer.MAX_VALUE;
        for (String l : lines) {
            if (!l.isBlank()) {
                indent = Math.min(indent, l.length() - l.stripLeading().length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        }
        return sb.toString().stripTrailing();
    }
}
