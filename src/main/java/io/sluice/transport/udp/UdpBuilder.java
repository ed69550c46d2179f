package io.sluice.transport.udp;

import io.sluice.transport.TransportBuilder;
import io.sluice.transport.internal.BuilderFactories;
import io.sluice.transport.internal.Checks;

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
 * source uses it to count lost, reordered and duplicated datagrams per sender address (see
 * {@link UdpSource}).
 */
public final class UdpBuilder extends TransportBuilder<UdpBuilder> {

    /** Largest UDP payload over IPv4: 65535 - 20 (IP header) - 8 (UDP header). */
    public static final int MAX_DATAGRAM = 65507;
    /** Size of the optional sequence header. */
    public static final int SEQUENCE_HEADER = 8;

    boolean sequenced;
    int receiveBuffer = 4 << 20;
    int prefetch = 256;

    static {
        BuilderFactories.register(UdpBuilder.class, UdpBuilder::new);
    }

    /** Package-private: obtain a builder from {@code Transports.udp()} (see {@link BuilderFactories}). */
    UdpBuilder() {
    }

    /**
     * @param on whether datagrams carry the 8-byte sequence header (see class doc); default false
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
        this.receiveBuffer = Checks.atLeast("receiveBuffer", bytes, 1);
        return this;
    }

    /**
     * @param n datagrams requested ahead from the socket by a source, at least 1
     * @return this
     */
    public UdpBuilder prefetch(int n) {
        this.prefetch = Checks.atLeast("prefetch", n, 1);
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
