package io.sluice.transport.file;

import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import io.sluice.transport.spi.TransportProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** The file endpoint types: the {@code dir} source ({@link DirectorySource}) and the {@code file} sink ({@link FileSink}). */
public final class FileProvider implements TransportProvider {

    @Override
    public List<EndpointType> endpointTypes() {
        return List.of(
                EndpointType.builder("dir", "the files of a directory tree, one message per file")
                        .option(OptionSpec.required("path", OptionType.STRING, "directory to walk"))
                        .option(OptionSpec.optional("glob", OptionType.STRING, "*",
                                "file-name glob, e.g. `*.log` (directories are always walked)"))
                        .option(OptionSpec.optional("concurrency", OptionType.POSITIVE_INT, 4, "files read at once"))
                        .option(OptionSpec.optional("maxFileSize", OptionType.SIZE, 16L << 20,
                                "larger files are skipped and reported"))
                        .source((o, c) -> DirectorySource.builder(Path.of(o.string("path")))
                                .glob(o.string("glob")).concurrency(o.integer("concurrency"))
                                .maxFileSize(o.size("maxFileSize")).build())
                        .build(),
                EndpointType.builder("file", "one file, messages appended in order")
                        .option(OptionSpec.required("path", OptionType.STRING, "file to write"))
                        .option(OptionSpec.choice("format", "newline",
                                "newline after each message, 4-byte length before each, or raw bytes",
                                "newline", "length-prefixed", "raw"))
                        .option(OptionSpec.optional("bufferSize", OptionType.POSITIVE_INT, 64 * 1024,
                                "write buffer in bytes"))
                        .option(OptionSpec.optional("flushInterval", OptionType.DURATION, Duration.ofSeconds(1),
                                "longest time a message waits in the buffer"))
                        .option(OptionSpec.optional("append", OptionType.BOOLEAN, false,
                                "append to an existing file (else replace it)"))
                        .sink((o, c) -> FileSink.builder(Path.of(o.string("path")))
                                .format(FileSink.Format.valueOf(o.string("format").toUpperCase(Locale.ROOT)
                                        .replace('-', '_')))
                                .bufferSize(o.integer("bufferSize")).flushInterval(o.duration("flushInterval"))
                                .append(o.bool("append")).build())
                        .build());
    }
}
