/**
 * UDP transport on reactor-netty: one datagram is one message, optionally with an 8-byte sequence
 * header from which the source counts lost, reordered and duplicated datagrams per sender
 * ({@code SequenceTracker}). Obtain it from {@code Transports.udp()}.
 */
package io.sluice.transport.udp;
