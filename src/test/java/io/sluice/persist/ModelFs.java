package io.sluice.persist;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * An in-memory {@link Fs} that models what the OS keeps at a crash (see {@link Fs} for the rules):
 * file writes and truncates become durable only at {@code force}, directory entries (create, rename,
 * delete) only at {@code syncDir}. {@link #crash()} throws every handle away and rebuilds the
 * durable state plus a random subset of the operations not yet durable: each write is split at
 * 512-byte sector boundaries and every piece is kept or lost on its own (so a later piece may
 * survive an earlier one: reordering and torn writes), holes read as zeros or garbage, each
 * directory operation is kept or lost on its own (renames stay atomic and move the inode the name
 * held when the rename ran; a kept create replaces whatever an unlink that was lost left under the
 * name). An earlier version renamed whatever the name held after the rebuild, so a lost
 * {@code unlink(checkpoint.tmp); create(checkpoint.tmp)} plus a kept rename "moved" a stale,
 * never-forced temp file over the checkpoint: a state no file system produces (seed 8905542116487). {@link #armCrash(int)}
 * makes the n-th next operation crash the "machine" (the operation may or may not have happened),
 * by throwing {@link SimulatedCrash}, so crashes also land between the steps of one log operation.
 */
final class ModelFs implements Fs {

    static final int SECTOR = 512;

    /** Thrown by every operation once the simulated machine has crashed. An Error: no code under test catches it. */
    static final class SimulatedCrash extends Error {
        private static final long serialVersionUID = 1L;

        SimulatedCrash() {
            super("simulated crash", null, false, false);
        }
    }

    private static final class Inode {
        byte[] durable = new byte[0];
        byte[] current = new byte[0];
        final List<Object[]> pending = new ArrayList<>(); // {Long pos, byte[] data} or {Long size}
    }

    private final Random rnd;
    private Map<String, Inode> durableDir = new HashMap<>();
    private Map<String, Inode> dir = new HashMap<>();
    private final List<String[]> pendingDir = new ArrayList<>(); // {"create", name} {"rename", from, to} {"delete", name}
    private final Map<String, Inode> createdInodes = new HashMap<>();
    /** The inode each pending rename moved (keyed by the operation's identity). */
    private final Map<String[], Inode> renamedInodes = new IdentityHashMap<>();
    private int generation;
    private int crashCountdown = -1;
    private boolean crashed;
    boolean readOnly;
    boolean failForce;
    long ops;

    ModelFs(Random rnd) {
        this.rnd = rnd;
    }

    /** The {@code n}-th next operation (1 = the next) crashes the machine. */
    void armCrash(int n) {
        crashCountdown = n;
    }

    void disarm() {
        crashCountdown = -1;
    }

    boolean crashed() {
        return crashed;
    }

    /** Power loss and reboot: keeps the durable state and a random subset of what was not durable. */
    void crash() {
        double keep = new double[] {0, 1, 0.5, rnd.nextDouble()}[rnd.nextInt(4)];
        boolean garbage = rnd.nextInt(5) == 0;
        Map<String, Inode> nd = new HashMap<>(durableDir);
        for (String[] op : pendingDir) {
            if (rnd.nextDouble() >= keep) {
                continue;
            }
            switch (op[0]) {
                // A kept create links its own inode: the name's earlier unlink is implied (a name holds one inode)
                case "create" -> nd.put(op[1], createdInodes.get(op[1] + "#" + op[2]));
                // A kept rename moves the inode the name held when rename ran, never whatever the
                // name holds in the rebuilt state (that would be a rename the program never made)
                case "rename" -> {
                    Inode i = renamedInodes.get(op);
                    if (nd.get(op[1]) == i) {
                        nd.remove(op[1]);
                    }
                    nd.put(op[2], i);
                }
                default -> nd.remove(op[1]);
            }
        }
        renamedInodes.clear();
        Map<String, Inode> fresh = new HashMap<>();
        Map<Inode, Inode> done = new HashMap<>();
        for (Map.Entry<String, Inode> e : nd.entrySet()) {
            Inode old = e.getValue();
            Inode n = done.get(old);
            if (n == null) {
                byte[] c = old.durable.clone();
                for (Object[] op : old.pending) {
                    if (op.length == 1) {
                        if (rnd.nextDouble() < keep) {
                            c = Arrays.copyOf(c, (int) (long) (Long) op[0]);
                        }
                        continue;
                    }
                    long pos = (Long) op[0];
                    byte[] data = (byte[]) op[1];
                    int i = 0;
                    while (i < data.length) {
                        long at = pos + i;
                        int piece = (int) Math.min(data.length - i, SECTOR - at % SECTOR);
                        if (rnd.nextDouble() < keep) {
                            c = put(c, at, data, i, piece, garbage);
                        }
                        i += piece;
                    }
                }
                n = new Inode();
                n.durable = c;
                n.current = c.clone();
                done.put(old, n);
            }
            fresh.put(e.getKey(), n);
        }
        durableDir = fresh;
        dir = new HashMap<>(fresh);
        pendingDir.clear();
        createdInodes.clear();
        generation++;
        crashed = false;
        crashCountdown = -1;
    }

    private byte[] put(byte[] c, long at, byte[] data, int off, int len, boolean garbage) {
        int end = (int) at + len;
        if (end > c.length) {
            int oldLen = c.length;
            c = Arrays.copyOf(c, end);
            if (garbage && at > oldLen) {
                for (int k = oldLen; k < at; k++) {
                    c[k] = (byte) rnd.nextInt(256);
                }
            }
        }
        System.arraycopy(data, off, c, (int) at, len);
        return c;
    }

    /** Bytes of a file as the running system sees them (tests that damage files use this and {@link #replace}). */
    byte[] content(String name) {
        return dir.get(name).current.clone();
    }

    /** Replaces a file's content, durably (for tests that damage files on purpose). */
    void replace(String name, byte[] content) {
        Inode i = dir.get(name);
        i.current = content.clone();
        i.durable = content.clone();
        i.pending.clear();
    }

    private void step(boolean mutates) throws IOException {
        if (crashed) {
            throw new SimulatedCrash();
        }
        ops++;
        if (crashCountdown > 0 && --crashCountdown == 0) {
            crashed = true;
            if (!mutates || rnd.nextBoolean()) {
                throw new SimulatedCrash();
            }
        }
        if (mutates && readOnly) {
            throw new AccessDeniedException("model directory is read-only");
        }
    }

    private void after() {
        if (crashed) {
            throw new SimulatedCrash();
        }
    }

    @Override
    public List<String> list() throws IOException {
        step(false);
        return new ArrayList<>(dir.keySet());
    }

    @Override
    public boolean exists(String name) throws IOException {
        step(false);
        return dir.containsKey(name);
    }

    @Override
    public FsFile create(String name) throws IOException {
        step(true);
        if (dir.containsKey(name)) {
            throw new FileAlreadyExistsException(name);
        }
        Inode i = new Inode();
        dir.put(name, i);
        String id = Integer.toString(System.identityHashCode(i)) + ops;
        createdInodes.put(name + "#" + id, i);
        pendingDir.add(new String[] {"create", name, id});
        after();
        return new ModelFile(i);
    }

    @Override
    public FsFile open(String name) throws IOException {
        step(false);
        Inode i = dir.get(name);
        if (i == null) {
            throw new NoSuchFileException(name);
        }
        return new ModelFile(i);
    }

    @Override
    public void rename(String from, String to) throws IOException {
        step(true);
        Inode i = dir.remove(from);
        if (i == null) {
            throw new NoSuchFileException(from);
        }
        dir.put(to, i);
        String[] op = new String[] {"rename", from, to};
        renamedInodes.put(op, i);
        pendingDir.add(op);
        after();
    }

    @Override
    public void delete(String name) throws IOException {
        step(true);
        if (dir.remove(name) != null) {
            pendingDir.add(new String[] {"delete", name});
        }
        after();
    }

    @Override
    public void syncDir() throws IOException {
        step(true);
        for (String[] op : pendingDir) {
            switch (op[0]) {
                case "create" -> durableDir.put(op[1], createdInodes.get(op[1] + "#" + op[2]));
                case "rename" -> {
                    Inode i = durableDir.remove(op[1]);
                    if (i != null) {
                        durableDir.put(op[2], i);
                    }
                }
                default -> durableDir.remove(op[1]);
            }
        }
        pendingDir.clear();
        createdInodes.clear();
        renamedInodes.clear();
        after();
    }

    @Override
    public Closeable lock() throws IOException {
        step(true);
        return () -> { };
    }

    @Override
    public String describe() {
        return "model-fs";
    }

    private final class ModelFile implements FsFile {
        private final Inode inode;
        private final int gen = generation;

        ModelFile(Inode inode) {
            this.inode = inode;
        }

        private void check(boolean mutates) throws IOException {
            if (gen != generation) {
                throw new SimulatedCrash();
            }
            step(mutates);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            check(false);
            byte[] c = inode.current;
            if (position >= c.length) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), c.length - position);
            dst.put(c, (int) position, n);
            return n;
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            check(true);
            byte[] data = new byte[src.remaining()];
            src.get(data);
            inode.current = put(inode.current, position, data, 0, data.length, false);
            inode.pending.add(new Object[] {position, data});
            after();
        }

        @Override
        public void force() throws IOException {
            check(true);
            if (failForce) {
                throw new IOException("injected fsync failure (EIO)");
            }
            inode.durable = inode.current.clone();
            inode.pending.clear();
            after();
        }

        @Override
        public long size() throws IOException {
            check(false);
            return inode.current.length;
        }

        @Override
        public void truncate(long size) throws IOException {
            check(true);
            if (size < inode.current.length) {
                inode.current = Arrays.copyOf(inode.current, (int) size);
                inode.pending.add(new Object[] {size});
            }
            after();
        }

        @Override
        public void close() {
            // nothing to release
        }
    }
}
