/**
 * WebSocket transport on reactor-netty: each binary or text message is one message. Obtain it
 * from {@code Transports.websocket()}.
 */
package io.sluice.transport.websocket;
