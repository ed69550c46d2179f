/**
 * The transport service-provider interface: how a transport plugs into the gateway.
 *
 * <p>A transport is one folder ({@code io.sluice.transport.<name>}) with a {@link
 * io.sluice.transport.spi.TransportProvider} registered in
 * {@code META-INF/services/io.sluice.transport.spi.TransportProvider}. The provider lists its
 * {@link io.sluice.transport.spi.EndpointType endpoint types} (e.g. {@code tcp}, or {@code zmq-pull}
 * and {@code zmq-push}); each type declares its options as a typed schema ({@link
 * io.sluice.transport.spi.OptionSpec}), from which the gateway validates YAML (with lines), writes error
 * messages and the README's transport table, asks what the endpoint binds ({@link
 * io.sluice.transport.spi.Bind}) to find clashes before anything starts, and builds the source or sink.
 * Nothing in {@code io.sluice.gateway} names a transport.
 */
package io.sluice.transport.spi;
