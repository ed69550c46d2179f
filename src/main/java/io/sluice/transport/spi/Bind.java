package io.sluice.transport.spi;

import java.util.List;

/**
 * A local address an endpoint listens on once started. The gateway collects these from every pipeline
 * (and the admin server) before starting anything, and reports two endpoints that would bind the same
 * protocol and port on overlapping hosts ({@code 0.0.0.0} overlaps every host; {@code localhost} is
 * {@code 127.0.0.1}). Port 0 (ephemeral) never clashes.
 *
 * @param protocol TCP or UDP
 * @param host bind host as configured
 * @param port bind port, 0 for an ephemeral one
 */
public record Bind(Protocol protocol, String host, int port) {

    /** Transport-layer protocol of a bind. */
    public enum Protocol {
        /** TCP (also every protocol over TCP: HTTP, gRPC, WebSocket, ZeroMQ {@code tcp://}). */
        TCP,
        /** UDP. */
        UDP
    }

    /**
     * The usual rule for a server transport over TCP: the source binds {@code host:port}, the sink
     * connects and binds nothing.
     *
     * @param role source or sink
     * @param options the endpoint's options, with {@code host} and {@code port}
     * @return the source's bind, or nothing for a sink
     */
    public static List<Bind> tcpServer(Role role, EndpointOptions options) {
        return role == Role.SOURCE
                ? List.of(new Bind(Protocol.TCP, options.string("host"), options.integer("port")))
                : List.of();
    }

    /**
     * @param role source or sink
     * @param options the endpoint's options, with {@code host} and {@code port}
     * @return the source's UDP bind, or nothing for a sink
     */
    public static List<Bind> udpServer(Role role, EndpointOptions options) {
        return role == Role.SOURCE
                ? List.of(new Bind(Protocol.UDP, options.string("host"), options.integer("port")))
                : List.of();
    }
}
