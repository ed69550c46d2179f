package io.sluice.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Raw TCP peers for liveness tests: each connects, optionally writes some bytes, then stays silent
 * (never writes again, but reads what the server sends); {@link #awaitClosed} watches them all with
 * one selector and records, per peer, when the server closed it (exact, not polled one by one).
 */
public final class SilentPeers implements AutoCloseable {

    /** One silent connection. */
    public static final class Peer {
        final SocketChannel channel;
        /** When its last byte was written (or it connected), {@link System#nanoTime()}. */
        public final long quietSince;
        /** When the server closed it, {@link System#nanoTime()}; 0 while open. */
        public long closedAt;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();

        private final String address;

        Peer(SocketChannel channel, long quietSince) throws IOException {
            InetSocketAddress a = (InetSocketAddress) channel.getLocalAddress();
            this.address = a.getAddress().getHostAddress() + ":" + a.getPort();
            this.channel = channel;
            this.quietSince = quietSince;
        }

        /** @return what the server sent, as ISO-8859-1 text */
        public String received() {
            return received.toString(StandardCharsets.ISO_8859_1);
        }

        /** @return its address as the server sees it, e.g. {@code 127.0.0.1:40000} */
        public String address() {
            return address;
        }

        /** @return how long it stayed open after it fell silent */
        public Duration openFor() {
            return Duration.ofNanos(closedAt - quietSince);
        }
    }

    private final Selector selector;
    private final List<Peer> peers = new ArrayList<>();

    /** @throws IOException if no selector can be opened */
    public SilentPeers() throws IOException {
        this.selector = Selector.open();
    }

    /**
     * @param port server port on 127.0.0.1
     * @param first bytes to write once after connecting (may be empty)
     * @return the peer
     * @throws IOException if it cannot connect or write
     */
    public Peer open(int port, byte[] first) throws IOException {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ByteBuffer b = ByteBuffer.wrap(first);
        while (b.hasRemaining()) {
            ch.write(b);
        }
        ch.configureBlocking(false);
        Peer p = new Peer(ch, System.nanoTime());
        ch.register(selector, SelectionKey.OP_READ, p);
        peers.add(p);
        return p;
    }

    /**
     * Reads from every peer until each was closed by the server or {@code within} passed.
     *
     * @param within longest wait
     * @return the peers still open at the end
     * @throws IOException if the selector fails
     */
    public List<Peer> awaitClosed(Duration within) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (peers.stream().anyMatch(p -> p.closedAt == 0) && System.nanoTime() < deadline) {
            selector.select(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            for (SelectionKey k : selector.selectedKeys()) {
                Peer p = (Peer) k.attachment();
                int n;
                try {
                    buf.clear();
                    n = p.channel.read(buf);
                } catch (IOException reset) {
                    n = -1;
                }
                if (n > 0) {
                    p.received.write(buf.array(), 0, n);
                } else if (n < 0) {
                    p.closedAt = System.nanoTime();
                    k.cancel();
                }
            }
            selector.selectedKeys().clear();
        }
        return peers.stream().filter(p -> p.closedAt == 0).toList();
    }

    /** @return every peer opened */
    public List<Peer> peers() {
        return List.copyOf(peers);
    }

    @Override
    public void close() throws IOException {
        for (Peer p : peers) {
            p.channel.close();
        }
        selector.close();
    }
}
