package io.sluice.transport.udp;

import io.sluice.event.EventDispatcher;
import java.util.Objects;

/**
 * Configuration of a UDP {@link UdpSource} (server) or {@link UdpSink} (client); obtained from
 * {@code io.sluice.transport.Transports.udp()}. Defaults: host {@code 127.0.0.1}, port 0,
 * unsequenced, socket receive buffer 4 MiB (the OS may cap it, e.g. Linux
 * {@code net.core.rmem_max}), prefetch 256, no event dispatcher.
 *
 * <h2>Wire format</h2>
 * One datagram carries one message. Unsequenced: the datagram is the payload. Sequenced
 * ({@link #sequenced(boolean) sequenced(true)}, must match on both ends): an 8-byte big-endian
 * sequence number (0, 1, 2, ... per {@link UdpSink#write} call) followed by the payload; the
 * source uses it to count lost and reordered datagrams per sender address.
 */
public final class UdpBuilder {

    /** Largest UDP payload over IPv4: 65535 - 20 (IP header) - 8 (UDP header). */
    public static final int MAX_DATAGRAM = 65507;
    /** Size of the optional sequence header. */
    public static final int SEQUENCE_HEADER = 8;

    String host = "127.0.0.1";
    int port;
    boolean sequenced;
    int receiveBuffer = 4 << 20;
    int prefetch = 256;
    EventDispatcher events;

    /** Use {@code Transports.udp()}. */
    public UdpBuilder() {
    }

    /**
     * @param h host to bind (source) or send to (sink)
     * @return this
     */
    public UdpBuilder host(String h) {
        this.host = Objects.requireNonNull(h, "host");
        return this;
    }

    /**
     * @param p port; 0 lets a source pick an ephemeral port
     * @return this
     */
    public UdpBuilder port(int p) {
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port out of range: " + p);
        }
        this.port = p;
        return this;
    }

    /**
     * @param on whether datagrams carry the 8-byte sequence header (see class doc)
     * @return this
     */
    public UdpBuilder sequenced(boolean on) {
        this.sequenced = on;
        return this;
    }

    /**
     * @param bytes requested {@code SO_RCVBUF} of the source's socket
     * @return this
     */
    public UdpBuilder receiveBuffer(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("receiveBuffer must be >= 1, was " + bytes);
        }
        this.receiveBuffer = bytes;
        return this;
    }

    /**
     * @param n datagrams requested ahead from the socket by a source, at least 1
     * @return this
     */
    public UdpBuilder prefetch(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("prefetch must be >= 1, was " + n);
        }
        this.prefetch = n;
        return this;
    }

    /**
     * @param dispatcher receives open/close/error events; null for none
     * @return this
     */
    public UdpBuilder events(EventDispatcher dispatcher) {
        this.events = dispatcher;
        return this;
    }

    /** @return largest payload a datagram can carry with this configuration */
    public int maxPayload() {
        return sequenced ? MAX_DATAGRAM - SEQUENCE_HEADER : MAX_DATAGRAM;
    }

    /** @return a server source */
    public UdpSource source() {
        return new UdpSource(this);
    }

    /** @return a client sink */
    public UdpSink sink() {
        return new UdpSink(this);
    }
}
