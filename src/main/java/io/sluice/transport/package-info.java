/**
 * Sluice's network and file transports: sources that receive {@link io.sluice.Message}s into a
 * pipeline and sinks that send them out. Start from {@link io.sluice.transport.Transports}, which
 * hands out one builder per transport; every network builder shares
 * {@link io.sluice.transport.TransportBuilder} (host, port, events), and the connection-oriented
 * ones {@link io.sluice.transport.StreamServerBuilder} (a bound on connections). Every server
 * source is a {@link io.sluice.transport.ServerSource}: it binds when subscribed, reports its bound
 * address, and counts in {@link io.sluice.transport.TransportMetrics}.
 *
 * <p>Each transport lives in its own sub-package; {@code io.sluice.transport.internal} holds the
 * plumbing they share (not API), and {@code io.sluice.transport.spi} how a transport plugs into the
 * gateway.
 */
package io.sluice.transport;
