package io.sluice.transport;

import io.sluice.Message;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;

/**
 * Deterministic test payloads: the first 16 bytes carry an id ({@code client << 32 | index}) as
 * hexadecimal text, the rest is a pattern derived from the id and position, so every received
 * payload can be verified byte for byte and each id counted exactly once. No byte is {@code '\n'} or {@code '\r'},
 * so the payloads also suit newline framing.
 */
public final class Payloads {

    private Payloads() {
    }

    /**
     * @param client client number
     * @param index message number within the client
     * @param size payload size, at least 16
     * @return the payload
     */
    public static byte[] payload(int client, int index, int size) {
        long id = ((long) client << 32) | index;
        byte[] b = new byte[size];
        byte[] hex = String.format("%016x", id).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(hex, 0, b, 0, 16);
        for (int i = 16; i < size; i++) {
            b[i] = pattern(id, i);
        }
        return b;
    }

    private static byte pattern(long id, int i) {
        byte p = (byte) (id * 31 + i * 7 + (i >>> 8));
        return p == '\n' || p == '\r' ? (byte) 'N' : p;
    }

    private static long id(byte[] p) {
        return Long.parseUnsignedLong(new String(p, 0, 16, java.nio.charset.StandardCharsets.US_ASCII), 16);
    }

    /**
     * @param client client number
     * @param count messages
     * @param size payload size
     * @return the client's messages
     */
    public static Flux<Message> messages(int client, int count, int size) {
        return Flux.range(0, count).map(i -> Message.of(payload(client, i, size)));
    }

    /** Verifies received payloads and remembers the ids seen. Thread-safe. */
    public static final class Checker {
        private final int size;
        private final int perClient;
        private final BitSet seen = new BitSet();
        private final AtomicLong bad = new AtomicLong();
        private final AtomicLong duplicates = new AtomicLong();
        private final AtomicLong count = new AtomicLong();

        /**
         * @param size expected payload size
         * @param perClient messages per client
         */
        public Checker(int size, int perClient) {
            this.size = size;
            this.perClient = perClient;
        }

        /** @param m a received message */
        public void accept(Message m) {
            count.incrementAndGet();
            byte[] p = m.payload();
            if (p.length != size) {
                bad.incrementAndGet();
                return;
            }
            long id;
            try {
                id = id(p);
            } catch (NumberFormatException e) {
                bad.incrementAndGet();
                return;
            }
            int client = (int) (id >>> 32);
            int index = (int) id;
            for (int i = 16; i < size; i++) {
                if (p[i] != pattern(id, i)) {
                    bad.incrementAndGet();
                    return;
                }
            }
            synchronized (seen) {
                int bit = client * perClient + index;
                if (seen.get(bit)) {
                    duplicates.incrementAndGet();
                }
                seen.set(bit);
            }
        }

        /** @return messages whose size or content was wrong */
        public long bad() {
            return bad.get();
        }

        /** @return ids received more than once */
        public long duplicates() {
            return duplicates.get();
        }

        /** @return distinct ids received */
        public int distinct() {
            synchronized (seen) {
                return seen.cardinality();
            }
        }

        /** @return per-client summary for diagnostics */
        public String summary(int clients) {
            StringBuilder sb = new StringBuilder();
            synchronized (seen) {
                for (int c = 0; c < clients; c++) {
                    BitSet part = seen.get(c * perClient, (c + 1) * perClient);
                    sb.append("client ").append(c).append(": ").append(part.cardinality())
                            .append(" first missing ").append(part.nextClearBit(0)).append("; ");
                }
            }
            return sb.toString();
        }

        /** @return messages received */
        public long count() {
            return count.get();
        }
    }
}
