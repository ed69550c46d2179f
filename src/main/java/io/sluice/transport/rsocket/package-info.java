/**
 * RSocket transport (rsocket-java) over TCP or WebSocket: request-channel (flow-controlled by
 * request-n), fire-and-forget and request-stream. Message metadata travels as RSocket payload
 * metadata ({@code MessageMetadata}). Obtain it from {@code Transports.rsocket()}.
 */
package io.sluice.transport.rsocket;
