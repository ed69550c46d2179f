package io.sluice.transport.udp;

import io.sluice.transport.TransportMetrics;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The loss, reorder and duplicate accounting of a sequenced UDP source, per sender address, with a
 * sliding window of the most recent sequence numbers as in the anti-replay windows of IPsec and DTLS
 * (RFC 4303 section 3.4.3, RFC 6479) and the sequence checks of RTP receivers (RFC 3550 appendix A.1).
 *
 * <p>Per sender it keeps the highest sequence number accepted and a bitmap of which of the last
 * {@link #WINDOW} numbers up to it have arrived. A datagram is then exactly one of:
 * <ul>
 *   <li><b>in order or ahead</b> (at most {@link #MAX_JUMP} past the highest): the numbers skipped are
 *       counted in {@link TransportMetrics#lost()};</li>
 *   <li><b>late, inside the window</b>, a number that was skipped: counted in
 *       {@link TransportMetrics#reordered()} and taken back from {@code lost}, once;</li>
 *   <li><b>a duplicate</b> inside the window (its number has arrived already): counted in
 *       {@link TransportMetrics#duplicated()}, nothing else changes;</li>
 *   <li><b>out of range</b>: more than {@code WINDOW} behind the highest (or behind the start of the
 *       sender's current sequence), or more than {@code MAX_JUMP} ahead. Whether it was lost before or
 *       is a duplicate cannot be known any more: it is counted in {@code reordered} and changes no other
 *       count. If the sender's next datagram carries the number after it, the sender is taken to have
 *       started a new sequence there (a restart: two consecutive numbers, the rule of RFC 3550), and the
 *       accounting starts again from it as for a new sender (that first datagram stays counted as
 *       reordered).</li>
 * </ul>
 * A sender's first datagram starts its sequence: a number below {@code WINDOW} is taken as a sequence
 * numbered from 0 whose first datagrams were lost (they are counted lost, and taken back if they
 * arrive late); a higher number as a sender heard from mid-sequence (e.g. after this source restarted),
 * whose earlier datagrams are not counted. So {@code lost} never goes below 0: it is taken back only
 * for a number that it counted and that has not arrived since; {@code lost + messages - duplicated}
 * is the number of datagrams sent from each sender's start up to its highest number, as long as
 * nothing arrived out of range. Datagrams lost after a sender's last received one cannot be detected.
 *
 * <p>Memory is bounded: {@link #WINDOW} bits (128 bytes) plus about 200 bytes of bookkeeping and the
 * address per sender, for at most {@link #MAX_SENDERS} senders (about 5 MiB in all): beyond that the
 * sender heard from least recently is forgotten, and if it sends again it is a new sender (its first
 * datagram counted as above). Each datagram adds at most {@code MAX_JUMP} to {@code lost}, so stray
 * or hostile bytes cannot make the counter overflow in any practical time.
 *
 * <p>Not thread-safe: one tracker per socket, used on the socket's event loop.
 */
final class SequenceTracker {

    /** Sequence numbers tracked behind the highest one per sender (a power of two). */
    static final int WINDOW = 1024;
    /** Senders tracked at once; the least recently heard from is forgotten beyond this. */
    static final int MAX_SENDERS = 16_384;
    /** The largest gap taken as lost datagrams; a larger jump is out of range (a restart, or stray bytes). */
    static final long MAX_JUMP = 1L << 32;

    /** What a datagram was, for the tests and the counters. */
    enum Outcome {
        /** A new sender's first datagram. */
        FIRST,
        /** The number after the highest. */
        IN_ORDER,
        /** Ahead of the highest by more than one (the numbers between counted lost). */
        GAP,
        /** A skipped number arriving late, inside the window (taken back from lost). */
        LATE,
        /** A number inside the window that has arrived already. */
        DUPLICATE,
        /** Too far behind or ahead to be placed. */
        OUT_OF_RANGE,
        /** The number after an out-of-range one: the sender started a new sequence. */
        RESTART
    }

    private final TransportMetrics metrics;
    private final int window;
    private final long maxJump;
    private final Map<Object, Sender> senders;

    /** @param metrics where lost, reordered and duplicated datagrams are counted */
    SequenceTracker(TransportMetrics metrics) {
        this(metrics, WINDOW, MAX_SENDERS, MAX_JUMP);
    }

    /**
     * @param metrics where lost, reordered and duplicated datagrams are counted
     * @param window numbers tracked behind the highest per sender, a power of two, at least 64
     * @param maxSenders senders tracked at once
     * @param maxJump the largest gap counted as lost
     */
    SequenceTracker(TransportMetrics metrics, int window, int maxSenders, long maxJump) {
        if (window < 64 || Integer.bitCount(window) != 1) {
            throw new IllegalArgumentException("window must be a power of two >= 64: " + window);
        }
        this.metrics = metrics;
        this.window = window;
        this.maxJump = maxJump;
        this.senders = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Object, Sender> eldest) {
                return size() > maxSenders;
            }
        };
    }

    /** @return senders tracked now (at most the limit) */
    int senders() {
        return senders.size();
    }

    /**
     * Accounts for one datagram.
     *
     * @param sender the sender's address (any key with equals/hashCode)
     * @param seq its sequence number, not negative
     * @return what it was
     */
    Outcome accept(Object sender, long seq) {
        Sender s = senders.get(sender);
        if (s == null) {
            s = new Sender(window);
            senders.put(sender, s);
            start(s, seq);
            return Outcome.FIRST;
        }
        long ahead = seq - s.high; // both in [0, 2^63): no overflow
        if (ahead > 0 && ahead <= maxJump) {
            advance(s, seq);
            s.candidate = -1;
            if (ahead > 1) {
                metrics.lost(ahead - 1);
                return Outcome.GAP;
            }
            return Outcome.IN_ORDER;
        }
        if (ahead <= 0 && ahead > -window && seq >= s.base) {
            if (s.received(seq)) {
                metrics.duplicatedOne();
                return Outcome.DUPLICATE;
            }
            s.mark(seq);
            metrics.reorderedOne();
            metrics.lost(-1);
            return Outcome.LATE;
        }
        if (seq == s.candidate) {
            start(s, seq - 1);
            advance(s, seq);
            s.candidate = -1;
            return Outcome.RESTART;
        }
        s.candidate = seq == Long.MAX_VALUE ? -1 : seq + 1;
        metrics.reorderedOne();
        return Outcome.OUT_OF_RANGE;
    }

    /** Starts the sender's sequence at {@code first} (a new sender, or a restart). */
    private void start(Sender s, long first) {
        Arrays.fill(s.bits, 0);
        if (first < window) {
            s.base = 0;
            metrics.lost(first);
        } else {
            s.base = first;
        }
        s.high = first;
        s.mark(first);
    }

    /** Moves the sender's highest number up to {@code seq}, forgetting what falls out of the window. */
    private void advance(Sender s, long seq) {
        if (seq - s.high >= window) {
            Arrays.fill(s.bits, 0);
        } else {
            for (long q = s.high + 1; q < seq; q++) {
                s.clear(q);
            }
        }
        s.high = seq;
        s.mark(seq);
    }

    /** One sender's state. */
    private static final class Sender {
        /** Bit {@code q mod window}: whether q arrived, for q in (high - window, high]. */
        final long[] bits;
        final int mask;
        /** The highest sequence number accepted. */
        long high;
        /** The first number of the current sequence (0, or where a sender heard mid-sequence started). */
        long base;
        /** The number that confirms a restart (one past the last out-of-range one), or -1. */
        long candidate = -1;

        Sender(int window) {
            this.bits = new long[window / 64];
            this.mask = window - 1;
        }

        boolean received(long q) {
            int i = (int) (q & mask);
            return (bits[i >>> 6] & (1L << i)) != 0;
        }

        void mark(long q) {
            int i = (int) (q & mask);
            bits[i >>> 6] |= 1L << i;
        }

        void clear(long q) {
            int i = (int) (q & mask);
            bits[i >>> 6] &= ~(1L << i);
        }
    }
}
