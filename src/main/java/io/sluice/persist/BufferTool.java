package io.sluice.persist;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Offline tools for a persistent log directory (issue 19 item 3), meant for {@code sluice buffer
 * check|inspect|repair PATH}. {@link #check} and {@link #inspect} only read; {@link #repair} takes
 * the directory lock (refused while a gateway has the log open), copies every corrupt byte range
 * into {@code quarantine/} and rewrites each damaged segment with its good records only (same
 * offsets; temp file, force, rename, directory fsync), so nothing is deleted without a copy.
 */
public final class BufferTool {

    private BufferTool() {
    }

    /**
     * Integrity report.
     *
     * @param segments segment files
     * @param records readable records
     * @param unacknowledged readable records at or after the checkpoint
     * @param unacknowledgedBytes their encoded size
     * @param ackNext first unacknowledged offset per the checkpoint (0 without one)
     * @param corrupt corrupt ranges as "segment [from, to): reason"
     * @param notes other findings (unrelated files, checkpoint problems, newer format)
     */
    public record Report(int segments, long records, long unacknowledged, long unacknowledgedBytes, long ackNext,
                         List<String> corrupt, List<String> notes) {
        /** @return true when no corrupt range was found (the CLI exits 1 otherwise) */
        public boolean clean() {
            return corrupt.isEmpty();
        }
    }

    /** One corrupt byte range of a segment. */
    private record Range(String segment, long from, long to, String reason) {
    }

    /**
     * @param dir the log directory
     * @return what is on disk; changes nothing
     */
    public static Report check(Path dir) throws IOException {
        NioFs fs = new NioFs(dir);
        List<String> notes = new ArrayList<>();
        Checkpoint.State cp = Checkpoint.read(fs);
        long ack = cp.missing() || cp.problem() != null ? 0 : cp.ackNext();
        if (cp.problem() != null) {
            notes.add(cp.problem());
        }
        long[] totals = new long[3];
        List<Range> bad = new ArrayList<>();
        TreeMap<Long, String> segs = segments(fs, notes);
        for (var e : segs.entrySet()) {
            scan(fs, e.getValue(), e.getKey(), notes, bad, entry -> {
                totals[0]++;
                if (entry.offset() >= ack) {
                    totals[1]++;
                    totals[2] += entry.size();
                }
            });
        }
        List<String> corrupt = bad.stream().map(r -> r.segment() + " [" + r.from() + ", " + r.to() + "): " + r.reason()).toList();
        return new Report(segs.size(), totals[0], totals[1], totals[2], ack, corrupt, notes);
    }

    /**
     * @param dir the log directory
     * @param from first offset to print
     * @param limit most records to print
     * @return one line per record: offset, acknowledged or not, times, key, headers, payload preview
     */
    public static List<String> inspect(Path dir, long from, int limit) throws IOException {
        NioFs fs = new NioFs(dir);
        List<String> notes = new ArrayList<>();
        Checkpoint.State cp = Checkpoint.read(fs);
        long ack = cp.missing() || cp.problem() != null ? 0 : cp.ackNext();
        List<String> out = new ArrayList<>();
        for (var e : segments(fs, notes).entrySet()) {
            scan(fs, e.getValue(), e.getKey(), notes, new ArrayList<>(), entry -> {
                if (entry.offset() >= from && out.size() < limit) {
                    String p = entry.message().payloadUtf8();
                    p = p.length() > 64 ? p.substring(0, 64) + "..." : p;
                    out.add("offset=" + entry.offset() + " acked=" + (entry.offset() < ack ? "yes" : "no") + " appended="
                            + Instant.ofEpochMilli(entry.appendTime()) + " key=" + entry.message().key().orElse("-")
                            + " headers=" + entry.message().headers() + " size=" + entry.message().size()
                            + " payload=" + p.replace('\n', ' '));
                }
            });
        }
        return out;
    }

    /**
     * @param dir the log directory (no gateway may have it open)
     * @return one line per quarantined range and rewritten segment; empty when nothing was corrupt
     */
    public static List<String> repair(Path dir) throws IOException {
        NioFs fs = new NioFs(dir);
        List<String> done = new ArrayList<>();
        java.io.Closeable lock = fs.lock();
        try {
            List<String> notes = new ArrayList<>();
            for (var e : segments(fs, notes).entrySet()) {
                List<Range> bad = new ArrayList<>();
                List<RecordCodec.Entry> keep = new ArrayList<>();
                int blockSize = scan(fs, e.getValue(), e.getKey(), notes, bad, keep::add);
                if (bad.isEmpty()) {
                    continue;
                }
                Path q = Files.createDirectories(dir.resolve("quarantine"));
                byte[] all = Files.readAllBytes(dir.resolve(e.getValue()));
                for (Range r : bad) {
                    Path f = q.resolve(e.getValue() + "." + r.from() + "-" + r.to() + ".bad");
                    Files.write(f, java.util.Arrays.copyOfRange(all, (int) r.from(), (int) Math.min(r.to(), all.length)));
                    try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                    done.add("quarantined " + e.getValue() + " [" + r.from() + ", " + r.to() + ") (" + r.reason() + ") to " + f);
                }
                new NioFs(q).syncDir();
                String tmp = e.getValue() + ".repair";
                fs.delete(tmp);
                try (Fs.FsFile f = fs.create(tmp)) {
                    Segment s = new Segment(e.getKey(), blockSize, f, 0);
                    f.write(Format.segmentHeader(blockSize, e.getKey()), 0);
                    s.setEnd(Format.SEGMENT_HEADER);
                    for (RecordCodec.Entry r : keep) {
                        s.append(r.offset(), r.appendTime(), RecordCodec.encode(r.offset(), r.appendTime(), r.message()));
                    }
                    f.force();
                }
                fs.rename(tmp, e.getValue());
                fs.syncDir();
                done.add("rewrote " + e.getValue() + " with its " + keep.size() + " readable records");
            }
        } finally {
            lock.close();
        }
        return done;
    }

    private static TreeMap<Long, String> segments(NioFs fs, List<String> notes) throws IOException {
        TreeMap<Long, String> segs = new TreeMap<>();
        for (String n : fs.list()) {
            long base = Format.segmentBase(n);
            if (base >= 0) {
                segs.put(base, n);
            } else if (!n.equals(Checkpoint.NAME) && !n.equals(SegmentLog.LOCK) && !n.equals(Checkpoint.TMP)) {
                notes.add("unrelated file " + n);
            }
        }
        return segs;
    }

    /** Reads one segment without changing it; returns its block size. */
    private static int scan(NioFs fs, String name, long base, List<String> notes, List<Range> bad,
                            java.util.function.Consumer<RecordCodec.Entry> each) throws IOException {
        try (Fs.FsFile f = fs.open(name)) {
            long size = f.size();
            ByteBuffer h = ByteBuffer.allocate(Format.SEGMENT_HEADER);
            f.read(h, 0);
            Format.Header header = Format.parseHeader(h.flip(), base);
            if (size < Format.SEGMENT_HEADER) {
                notes.add(name + " is " + size + " bytes (empty)");
                return Format.DEFAULT_BLOCK;
            }
            if (header.problem() != null && header.version() > Format.VERSION) {
                notes.add(name + ": " + header.problem() + "; not read");
                return Format.DEFAULT_BLOCK;
            }
            int block = header.problem() == null ? header.blockSize() : Format.DEFAULT_BLOCK;
            if (header.problem() != null) {
                bad.add(new Range(name, 0, Format.SEGMENT_HEADER, header.problem()));
            }
            SegmentReader r = new SegmentReader(f, base, block, Format.SEGMENT_HEADER);
            for (RecordCodec.Entry e = r.next(size); e != null; e = r.next(size)) {
                SegmentReader.Skip s = r.takeSkip();
                if (s != null) {
                    bad.add(new Range(name, s.from(), s.to(), s.reason()));
                }
                each.accept(e);
            }
            if (r.tailIsDirty(size)) {
                bad.add(new Range(name, r.lastGoodEnd(), size, r.tailReason(size)));
            }
            return block;
        }
    }

}
