package io.sluice.transport.file;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The blocking file-system operations {@link DirectorySource} performs. A seam: tests substitute an
 * implementation that observes or controls listings and reads.
 */
interface FileAccess {

    /**
     * One directory entry.
     *
     * @param path the entry's path
     * @param directory true for a directory to descend into, false for a regular file
     */
    record Entry(Path path, boolean directory) { }

    /**
     * @param dir directory to list
     * @return its sub-directories and regular files; symbolic links and other entries are left out
     * @throws IOException if the directory cannot be listed
     */
    List<Entry> list(Path dir) throws IOException;

    /**
     * @param file regular file
     * @param maxFileSize largest size accepted
     * @return the file's content
     * @throws IOException if the file cannot be read or is larger than {@code maxFileSize}
     */
    byte[] read(Path file, long maxFileSize) throws IOException;

    /** The real file system; symbolic links are not followed. */
    FileAccess DEFAULT = new FileAccess() {
        @Override
        public List<Entry> list(Path dir) throws IOException {
            List<Entry> entries = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS);
                    if (a.isDirectory()) {
                        entries.add(new Entry(p, true));
                    } else if (a.isRegularFile()) {
                        entries.add(new Entry(p, false));
                    }
                }
            }
            return entries;
        }

        @Override
        public byte[] read(Path file, long maxFileSize) throws IOException {
            long size = Files.size(file);
            if (size > maxFileSize) {
                throw new IOException(size + " bytes, more than the maximum " + maxFileSize);
            }
            return Files.readAllBytes(file);
        }
    };
}
