/**
 * Unary HTTP transport on reactor-netty: each POST body is one message; the source answers 202
 * once the message is in its bounded hand-off, and applies backpressure by making requests wait
 * for room. Obtain it from {@code Transports.http()}.
 */
package io.sluice.transport.http;
