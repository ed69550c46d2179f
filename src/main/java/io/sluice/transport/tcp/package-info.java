/**
 * TCP transport on reactor-netty: a server source and a client sink exchanging framed messages
 * ({@link io.sluice.transport.tcp.Framing}: length-prefixed or newline). Obtain it from
 * {@code Transports.tcp()}.
 */
package io.sluice.transport.tcp;
