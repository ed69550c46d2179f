package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.gateway.Ports;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class SluiceCliTest {

    static final String VALID = "pipelines:\n"
            + "  - name: gen\n"
            + "    source: {type: generator, count: 500, size: 18}\n"
            + "    overflow: {policy: block, capacity: 16}\n"
            + "    steps:\n"
            + "      - {type: sample, every: 5}\n"
            + "    sink: {type: file, path: OUT}\n";

    static final String INVALID = "pipelines:\n"
            + "  - name: gen\n"
            + "    source: {type: generator, count: 0}\n"
            + "    sink: {type: nowhere}\n";

    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = new CommandLine(new SluiceCli());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void validateAcceptsAValidFile() throws IOException {
        Path f = Files.writeString(tmp.resolve("gw.yaml"), VALID);
        assertThat(run("validate", f.toString())).isZero();
        assertThat(out.toString()).contains("valid, 1 pipeline(s)");
    }

    @Test
    void validateListsEveryErrorWithItsLineAndFails() throws IOException {
        Path f = Files.writeString(tmp.resolve("gw.yaml"), INVALID);
        assertThat(run("validate", f.toString())).isEqualTo(SluiceCli.INVALID);
        assertThat(err.toString()).contains(f + ":3: pipeline 'gen' source generator count must be at least 1, was 0")
                .contains(f + ":4: pipeline 'gen' sink: unknown transport 'nowhere'");
    }

    @Test
    void usageErrorsAndMissingFiles() {
        assertThat(run()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run("validate")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run("frobnicate")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run("validate", tmp.resolve("missing.yaml").toString())).isEqualTo(SluiceCli.INVALID);
        assertThat(err.toString()).contains("cannot read");
    }

    @Test
    void runExecutesTheConfigAndPrintsTheSummary() throws IOException {
        Path outFile = tmp.resolve("out.txt");
        Path f = Files.writeString(tmp.resolve("gw.yaml"), VALID.replace("OUT", outFile.toString()));
        assertThat(run("run", f.toString(), "--max-time", "60s")).isZero();
        assertThat(Files.readAllLines(outFile)).hasSize(100);
        assertThat(out.toString()).contains("gen").contains("COMPLETED").contains("yes")
                .containsPattern("gen\\s+block\\s+500\\s+100\\s+0\\s+400\\s+0");
    }

    @Test
    void runRejectsAnInvalidConfig() throws IOException {
        Path f = Files.writeString(tmp.resolve("gw.yaml"), INVALID);
        assertThat(run("run", f.toString())).isEqualTo(SluiceCli.INVALID);
        assertThat(err.toString()).contains(":3:");
    }

    @Test
    void runStopsWithExitCode2AndOneLineWhenAPortIsTaken() throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Path f = Files.writeString(tmp.resolve("gw.yaml"), "pipelines:\n"
                    + "  - name: ingest\n"
                    + "    source: {type: tcp, host: 127.0.0.1, port: " + taken.getLocalPort() + "}\n"
                    + "    sink: {type: discard}\n");
            assertThat(run("run", f.toString())).isEqualTo(SluiceCli.CANNOT_START);
            assertThat(err.toString().lines()).singleElement().satisfies(l -> assertThat(l)
                    .startsWith(f + ": pipeline 'ingest' cannot start: its tcp source cannot bind TCP 127.0.0.1:"
                            + taken.getLocalPort() + ": "));
            assertThat(out.toString()).doesNotContain("COMPLETED");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"zmq-pull source: {type: zmq-pull, endpoint: 'tcp://127.0.0.1:PORT'}",
        "rsocket source: {type: rsocket, host: 127.0.0.1, port: PORT}"})
    void runStopsWithExitCode2AndOneLineWhenAZeroMqOrRSocketSourceCannotBind(String typeAndSource) throws IOException {
        String type = typeAndSource.substring(0, typeAndSource.indexOf(' '));
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            String source = typeAndSource.substring(type.length() + 1).replace("PORT", String.valueOf(taken.getLocalPort()));
            Path f = Files.writeString(tmp.resolve("gw.yaml"), "pipelines:\n"
                    + "  - name: ingest\n"
                    + "    " + source + "\n"
                    + "    sink: {type: discard}\n");
            assertThat(run("run", f.toString())).isEqualTo(SluiceCli.CANNOT_START);
            assertThat(err.toString().lines()).singleElement().satisfies(l -> assertThat(l)
                    .startsWith(f + ": pipeline 'ingest' cannot start: its " + type + " source cannot bind TCP 127.0.0.1:"
                            + taken.getLocalPort() + ": "));
            assertThat(out.toString()).doesNotContain("COMPLETED");
        }
    }

    @Test
    void runStopsWithExitCode2WhenTheAdminPortIsTakenAndStopsThePipelines() throws Exception {
        int pipelinePort = Ports.freeTcpPort();
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Path f = Files.writeString(tmp.resolve("gw.yaml"), "admin: {host: 127.0.0.1, port: " + taken.getLocalPort()
                    + "}\npipelines:\n"
                    + "  - name: ingest\n"
                    + "    source: {type: tcp, host: 127.0.0.1, port: " + pipelinePort + "}\n"
                    + "    sink: {type: discard}\n");
            assertThat(run("run", f.toString())).isEqualTo(SluiceCli.CANNOT_START);
            assertThat(err.toString().lines()).singleElement().satisfies(l -> assertThat(l)
                    .startsWith(f + ": the admin server cannot start: it cannot bind TCP 127.0.0.1:"
                            + taken.getLocalPort() + ": "));
        }
        assertThat(Ports.released(pipelinePort)).as("the pipeline's port was released").isTrue();
    }

    @Test
    void transportsListsEveryTypeWithItsOptions() {
        assertThat(run("transports")).isZero();
        assertThat(out.toString()).contains("| **`tcp`** | | source, sink |")
                .contains("| | `maxConnections` | source | integer >= 1 | `64` |")
                .contains("| **`memory`** |"); // the test-only transport is on this class path too
    }

    @Test
    void editReplacesTheFileOnlyWhenValid() throws Exception {
        Path target = Files.writeString(tmp.resolve("gw.yaml"), VALID);
        Path bad = Files.writeString(tmp.resolve("bad.yaml"), INVALID);
        Path good = Files.writeString(tmp.resolve("good.yaml"), VALID.replace("every: 5", "every: 7"));
        // An "editor" that writes bad content on its first run and good content on its second.
        Path counter = tmp.resolve("count");
        String editor = "n=$(cat " + counter + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " + counter
                + "; if [ $n -eq 1 ]; then cp " + bad + " \"$1\"; else cp " + good + " \"$1\"; fi; true";
        Path script = Files.writeString(tmp.resolve("editor.sh"), "#!/bin/sh\n" + editor + "\n");
        script.toFile().setExecutable(true);

        PrintWriter o = new PrintWriter(out, true);
        PrintWriter e = new PrintWriter(err, true);
        int code = ConfigEditor.edit(target, script.toString(), answers("y\n"), o, e);

        assertThat(code).isZero();
        assertThat(Files.readString(target)).contains("every: 7");
        assertThat(err.toString()).contains("unknown transport 'nowhere'");
        assertThat(out.toString()).contains("Edit again?").contains("valid, saved");
        assertThat(Files.readString(counter).trim()).isEqualTo("2");
        try (var files = Files.list(tmp)) {
            assertThat(files.filter(p -> p.getFileName().toString().startsWith(".gw.yaml."))).isEmpty();
        }
    }

    @Test
    void editLeavesTheOriginalWhenTheUserGivesUp() throws Exception {
        Path target = Files.writeString(tmp.resolve("gw.yaml"), VALID);
        Path bad = Files.writeString(tmp.resolve("bad.yaml"), INVALID);
        Path script = Files.writeString(tmp.resolve("editor.sh"), "#!/bin/sh\ncp " + bad + " \"$1\"\n");
        script.toFile().setExecutable(true);

        int code = ConfigEditor.edit(target, script.toString(), answers("n\n"), new PrintWriter(out, true),
                new PrintWriter(err, true));

        assertThat(code).isEqualTo(SluiceCli.INVALID);
        assertThat(Files.readString(target)).isEqualTo(VALID);
        assertThat(err.toString()).contains("left unchanged");
    }

    /** An editor script: checks the copy it is given, then appends a comment (never overwrites it). */
    private Path editorThatChecksAndAppends(String name, Path original, String comment) throws IOException {
        Path snapshot = Files.write(tmp.resolve(name + ".expected"), Files.readAllBytes(original));
        return script(name, "[ \"$1\" != '" + original + "' ] || exit 3\n" // a copy, not the original
                + "cmp -s \"$1\" '" + snapshot + "' || exit 4\n"              // starting with its content
                + "printf '" + comment + "\\n' >> \"$1\"\n");
    }

    private Path script(String name, String body) throws IOException {
        Path script = Files.writeString(tmp.resolve(name + ".sh"), "#!/bin/sh\n" + body);
        assertThat(script.toFile().setExecutable(true)).isTrue();
        return script;
    }

    private List<String> leftovers() throws IOException {
        try (var files = Files.list(tmp)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
        }
    }

    @Test
    void editOpensACopyWithTheOriginalContentAndKeepsThePermissions() throws Exception {
        Path target = Files.writeString(tmp.resolve("gw.yaml"), VALID);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        Path editor = editorThatChecksAndAppends("append", target, "# edited");

        int code = ConfigEditor.edit(target, editor.toString(), answers(""), new PrintWriter(out, true),
                new PrintWriter(err, true));

        assertThat(code).as(err.toString()).isZero();
        assertThat(Files.readString(target)).isEqualTo(VALID + "# edited\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r--r--");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void editThroughASymlinkReplacesItsTargetAndKeepsTheLink() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("real"));
        Path real = Files.writeString(dir.resolve("gw.yaml"), VALID);
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r-----"));
        Path link = Files.createSymbolicLink(tmp.resolve("gw.yaml"), real);
        Path editor = editorThatChecksAndAppends("append", real, "# via link");

        int code = ConfigEditor.edit(link, editor.toString(), answers(""), new PrintWriter(out, true),
                new PrintWriter(err, true));

        assertThat(code).as(err.toString()).isZero();
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(real);
        assertThat(Files.readString(real)).isEqualTo(VALID + "# via link\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(real))).isEqualTo("rw-r-----");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("gw.yaml");
        }
    }

    @Test
    void editorExitingNonZeroLeavesTheOriginalUntouched() throws Exception {
        Path target = Files.writeString(tmp.resolve("gw.yaml"), VALID);
        Path editor = script("fails", "printf 'garbage\\n' >> \"$1\"\nexit 4\n");

        int code = ConfigEditor.edit(target, editor.toString(), answers("y\n"), new PrintWriter(out, true),
                new PrintWriter(err, true));

        assertThat(code).isEqualTo(SluiceCli.INVALID);
        assertThat(Files.readString(target)).isEqualTo(VALID);
        assertThat(err.toString()).contains("editor exited with 4").contains("left unchanged");
        assertThat(out.toString()).doesNotContain("Edit again?");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void editOfAMissingFileFailsClearlyAndCreatesNothing() throws Exception {
        Path missing = tmp.resolve("nope.yaml");
        Path editor = script("never", "touch '" + tmp.resolve("editor-ran") + "'\n");

        int code = ConfigEditor.edit(missing, editor.toString(), answers(""), new PrintWriter(out, true),
                new PrintWriter(err, true));

        assertThat(code).isEqualTo(SluiceCli.INVALID);
        assertThat(err.toString()).contains(missing + ": no such file");
        assertThat(missing).doesNotExist();
        assertThat(tmp.resolve("editor-ran")).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    private int runEdit(Map<String, String> env, String answers, String... args) {
        CommandLine cl = new CommandLine(new SluiceCli());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        ConfigEditor.Edit edit = cl.getSubcommands().get("edit").getCommand();
        edit.env = env;
        edit.answers = answers(answers);
        return cl.execute(args);
    }

    @Test
    void editSubcommandPrefersVisualOverEditorAndReturnsExitCodes() throws Exception {
        Path target = Files.writeString(tmp.resolve("gw.yaml"), VALID);
        Path visual = editorThatChecksAndAppends("visual", target, "# visual");
        Path editor = script("editor", "printf '# editor\\n' >> \"$1\"\n");

        assertThat(runEdit(Map.of("VISUAL", visual.toString(), "EDITOR", editor.toString()), "", "edit",
                target.toString())).as(err.toString()).isZero();
        assertThat(Files.readString(target)).isEqualTo(VALID + "# visual\n");
        assertThat(out.toString()).contains(target + ": valid, saved");

        // a blank $VISUAL does not count: $EDITOR is used
        assertThat(runEdit(Map.of("VISUAL", " ", "EDITOR", editor.toString()), "", "edit", target.toString()))
                .isZero();
        assertThat(Files.readString(target)).isEqualTo(VALID + "# visual\n# editor\n");

        // an edit that stays invalid, and the user declines to edit again: exit 1, file unchanged
        Path breaks = script("breaks", "printf 'pipelines: 3\\n' > \"$1\"\n");
        String before = Files.readString(target);
        assertThat(runEdit(Map.of("EDITOR", breaks.toString()), "n\n", "edit", target.toString()))
                .isEqualTo(SluiceCli.INVALID);
        assertThat(Files.readString(target)).isEqualTo(before);
        assertThat(err.toString()).contains(target + ":1: 'pipelines' must be a non-empty list");

        assertThat(runEdit(Map.of(), "", "edit")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(runEdit(Map.of("EDITOR", editor.toString()), "", "edit", tmp.resolve("missing.yaml").toString()))
                .isEqualTo(SluiceCli.INVALID);
        assertThat(ConfigEditor.editor(Map.of())).isEqualTo("vi");
        assertThat(ConfigEditor.editor(Map.of("EDITOR", "nano"))).isEqualTo("nano");
        assertThat(ConfigEditor.editor(Map.of("EDITOR", "nano", "VISUAL", "code --wait"))).isEqualTo("code --wait");
    }

    @Test
    void durationsParseLikeTheConfig() {
        assertThat(io.sluice.gateway.Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    }

    private static ByteArrayInputStream answers(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
