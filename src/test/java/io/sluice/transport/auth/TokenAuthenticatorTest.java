package io.sluice.transport.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokens file: format, lookups, refusals, reload, and the YAML group. */
class TokenAuthenticatorTest {

    static final String ALICE = "tok_alice_9f8e7d6c5b4a39281706";
    static final String BOB = "bob+token/with.all~chars-_==";

    @TempDir
    Path dir;

    @Test
    void namedAndUnnamedTokensAreRecognisedAndOthersRefused() throws Exception {
        Path f = Files.writeString(dir.resolve("tokens.txt"), "# gateway tokens\n\nalice:" + ALICE + "\n"
                + "  " + BOB + "  \r\nalice:second-token-for-alice\n");
        try (TokenAuthenticator auth = TokenAuthenticator.open(f, Duration.ZERO, "test")) {
            assertThat(auth.size()).isEqualTo(3);
            assertThat(auth.authenticate(ALICE)).contains("alice");
            assertThat(auth.authenticate("second-token-for-alice")).contains("alice");
            assertThat(auth.authenticate(BOB)).hasValueSatisfying(n -> assertThat(n).matches("token-[0-9a-f]{8}"));
            assertThat(auth.authenticate(ALICE.substring(0, ALICE.length() - 1))).isEmpty();
            assertThat(auth.authenticate(ALICE + "0")).isEmpty();
            assertThat(auth.authenticate("alice:" + ALICE)).isEmpty();
            assertThat(auth.authenticate("")).isEmpty();
            assertThat(auth.authenticate(null)).isEmpty();
            assertThat(auth.authenticate("x".repeat(TokenAuthenticator.MAX_TOKEN_LENGTH + 1))).isEmpty();

            assertThat(auth.authenticateHeader("Bearer " + ALICE)).contains("alice");
            assertThat(auth.authenticateHeader("bearer   " + ALICE + " ")).contains("alice");
            assertThat(auth.authenticateHeader("Basic " + ALICE)).isEmpty();
            assertThat(auth.authenticateHeader("Bearer")).isEmpty();
            assertThat(auth.authenticateHeader("Bearer " + ALICE + " extra")).isEmpty();
            assertThat(auth.authenticateHeader(null)).isEmpty();
        }
    }

    @Test
    void malformedFilesNameTheLineButNeverTheToken() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.txt"), "ok:" + ALICE + "\nbob:has space secretpart\n");
        assertThatThrownBy(() -> TokenAuthenticator.open(bad, Duration.ZERO, "t"))
                .hasMessageContaining("bad.txt:2").hasMessageNotContaining("secretpart");
        Path dup = Files.writeString(dir.resolve("dup.txt"), "a:" + ALICE + "\nb:" + ALICE + "\n");
        assertThatThrownBy(() -> TokenAuthenticator.open(dup, Duration.ZERO, "t"))
                .hasMessageContaining("dup.txt:2").hasMessageContaining("earlier line")
                .hasMessageNotContaining(ALICE);
        Path badName = Files.writeString(dir.resolve("name.txt"), "al ice:" + ALICE + "\n");
        assertThatThrownBy(() -> TokenAuthenticator.open(badName, Duration.ZERO, "t"))
                .hasMessageContaining("name.txt:1");
        Path empty = Files.writeString(dir.resolve("empty.txt"), "# nothing\n");
        assertThatThrownBy(() -> TokenAuthenticator.open(empty, Duration.ZERO, "t"))
                .hasMessageContaining("no token");
        assertThatThrownBy(() -> TokenAuthenticator.open(dir.resolve("missing.txt"), Duration.ZERO, "t"))
                .hasMessageContaining("missing.txt");
    }

    @Test
    void reloadSwapsTokensAndABadFileKeepsTheOldOnes() throws Exception {
        Path f = Files.writeString(dir.resolve("tokens.txt"), "alice:" + ALICE + "\n");
        try (TokenAuthenticator auth = TokenAuthenticator.open(f, Duration.ofMillis(20), "test")) {
            Files.writeString(f, "bob:" + "B".repeat(20) + "\n");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (auth.authenticate("B".repeat(20)).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(auth.authenticate("B".repeat(20))).contains("bob");
            assertThat(auth.authenticate(ALICE)).as("revoked by the new file").isEmpty();

            Files.writeString(f, "bob:not a token\n");
            assertThat(auth.reload()).isFalse();
            assertThat(auth.authenticate("B".repeat(20))).contains("bob");
        }
    }

    @Test
    void yamlGroupBuildsTheAuthenticator() throws Exception {
        Files.writeString(dir.resolve("t.txt"), "alice:" + ALICE + "\n");
        var spec = TokenAuthenticator.authOption();
        assertThat(spec.appliesTo(Role.SOURCE)).isTrue();
        assertThat(spec.appliesTo(Role.SINK)).isFalse();
        EndpointOptions group = (EndpointOptions) spec.convert(Map.of("tokensFile", "t.txt"));
        assertThat(group.duration("reloadInterval")).isEqualTo(Duration.ofSeconds(10));
        try (TokenAuthenticator auth = TokenAuthenticator.from(group, dir, "yaml")) {
            assertThat(auth.authenticate(ALICE)).isEqualTo(Optional.of("alice"));
        }
        assertThatThrownBy(() -> spec.convert(Map.of("tokens", "t.txt")))
                .hasMessageContaining("auth.tokens: unknown option").hasMessageContaining("auth.tokensFile: missing");
        assertThat(TokenAuthenticator.from(null, dir, "none")).isNull();
    }
}
