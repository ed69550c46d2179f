package io.sluice.cli;

import io.sluice.gateway.ConfigException;
import io.sluice.gateway.GatewayConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/**
 * {@code sluice edit FILE}, like {@code crontab -e}: the user edits a copy, which replaces the file
 * only once it is a valid configuration.
 */
final class ConfigEditor {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigEditor.class);

    private ConfigEditor() {
    }

    /** {@code sluice edit FILE}: like {@code crontab -e}. */
    @Command(name = "edit", mixinStandardHelpOptions = true,
            description = "Edit a copy of FILE (which must exist) with $VISUAL or $EDITOR (default vi), validate"
                    + " it, and replace FILE only when valid, keeping its permissions (a symbolic link is followed to"
                    + " its target).")
    static final class Edit extends SluiceCli.FileCommand {
        InputStream answers = System.in;

        Map<String, String> env = System.getenv();

        @Override
        public Integer call() throws Exception {
            return edit(file, editor(env), answers, spec.commandLine().getOut(), spec.commandLine().getErr());
        }
    }

    /**
     * @param env environment variables
     * @return the editor command: {@code $VISUAL}, else {@code $EDITOR}, else {@code vi} (blank values are skipped)
     */
    static String editor(Map<String, String> env) {
        for (String name : List.of("VISUAL", "EDITOR")) {
            String v = env.get(name);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return "vi";
    }

    /**
     * The edit loop: copy, run the editor, validate, ask to re-edit on error, replace when valid.
     * The original is replaced atomically by a file with its permissions (and, where allowed, its
     * owner and group); when {@code file} is a symbolic link, its target is replaced and the link
     * kept.
     *
     * @return 0 when the file was replaced, 1 when it is missing, the editor failed or the user gave up
     */
    static int edit(Path file, String editor, InputStream answers, PrintWriter out, PrintWriter err)
            throws IOException, InterruptedException {
        if (!Files.exists(file)) {
            err.println(file + ": no such file (sluice edit changes an existing configuration; create it first,"
                    + " e.g. from samples/)");
            err.flush();
            return SluiceCli.INVALID;
        }
        Path target = file.toRealPath();
        if (!Files.isRegularFile(target)) {
            err.println(file + ": not a regular file");
            err.flush();
            return SluiceCli.INVALID;
        }
        // The copy lives beside the target so the final move is atomic; a directory we may not
        // write to gets the copy in the temp directory and the target rewritten in place.
        Path copy;
        boolean beside = true;
        try {
            copy = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".yaml");
        } catch (java.nio.file.AccessDeniedException readOnlyDir) {
            copy = Files.createTempFile("sluice-edit-", ".yaml");
            beside = false;
        }
        try {
            Files.copy(target, copy, StandardCopyOption.REPLACE_EXISTING);
            BufferedReader in = new BufferedReader(new InputStreamReader(answers, StandardCharsets.UTF_8));
            for (;;) {
                Process p = new ProcessBuilder("sh", "-c", editor + " \"$0\"", copy.toString()).inheritIO().start();
                int code = p.waitFor();
                if (code != 0) {
                    err.println("editor exited with " + code + "; " + file + " left unchanged");
                    err.flush();
                    return SluiceCli.INVALID;
                }
                try {
                    GatewayConfig.parse(Files.readString(copy));
                    replace(copy, target, beside);
                    out.println(file + ": valid, saved");
                    out.flush();
                    return 0;
                } catch (ConfigException e) {
                    SluiceCli.printErrors(err, file, e);
                    out.print("Edit again? [Y/n] ");
                    out.flush();
                    String answer = in.readLine();
                    if (answer == null || answer.trim().toLowerCase(java.util.Locale.ROOT).startsWith("n")) {
                        err.println(file + " left unchanged");
                        err.flush();
                        return SluiceCli.INVALID;
                    }
                }
            }
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    /** Replaces {@code target} by {@code copy}, keeping the target's permissions, owner and group. */
    private static void replace(Path copy, Path target, boolean beside) throws IOException {
        if (!beside) {
            Files.write(target, Files.readAllBytes(copy)); // in place: the file keeps its attributes
            return;
        }
        PosixFileAttributeView view = Files.getFileAttributeView(target, PosixFileAttributeView.class);
        if (view != null) {
            PosixFileAttributes attrs = view.readAttributes();
            PosixFileAttributeView copyView = Files.getFileAttributeView(copy, PosixFileAttributeView.class);
            try {
                copyView.setGroup(attrs.group());
                copyView.setOwner(attrs.owner());
            } catch (IOException | SecurityException notPermitted) {
                LOG.debug("cannot keep the owner/group of {}: {}", target, notPermitted.toString());
            }
            copyView.setPermissions(attrs.permissions());
        }
        Files.move(copy, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
