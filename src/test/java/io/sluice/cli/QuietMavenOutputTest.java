package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code mvn -q} on this project prints nothing, in particular not the {@code ESC[0m} resets that
 * Maven 3.8's jansi writes at exit when output is not a terminal ({@code [0m[0m} after
 * {@code mvn -q compile exec:java}); {@code .mvn/jvm.config} sets {@code -Djansi.noreset=true}.
 */
class QuietMavenOutputTest {

    @Test
    void quietMavenPrintsNoAnsiCodes() throws Exception {
        File dir = new File(System.getProperty("user.dir"));
        // Surefire runs in the project directory with Maven on the PATH: anything else is a failure, not a skip.
        assertThat(new File(dir, "pom.xml")).as("run from the project directory").isFile();
        Process p = new ProcessBuilder("mvn", "-q", "-B", "-o", "validate").directory(dir).redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).as("output of mvn -q validate").doesNotContain("\u001b").isEmpty();
    }
}
