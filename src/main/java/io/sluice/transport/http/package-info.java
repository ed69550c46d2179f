/**
 * Unary HTTP transport on Netty (reactor-netty binds the source's server and serves the sink's
 * client; the source's requests are handled by plain Netty handlers): each POST body is one message; the source answers 202
 * once the message is in its bounded hand-off, and applies backpressure by making requests wait
 * for room. Obtain it from {@code Transports.http()}.
 */
package io.sluice.transport.http;
