package io.sluice.transport;

/**
 * A transport endpoint with counters (messages, bytes, connections, errors by reason, losses). The
 * gateway exports them per pipeline ({@code sluice_transport_errors_total} and friends) for every
 * source that is {@code Metered}: the server sources, and the ZeroMQ sources, which may bind or
 * connect.
 */
public interface Metered {

    /** @return this endpoint's counters */
    TransportMetrics metrics();
}
