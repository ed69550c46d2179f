package io.sluice.transport.zmq;

import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import io.sluice.transport.AbstractTransportContractTest;
import io.sluice.transport.Transports;
import reactor.core.publisher.Mono;

/**
 * The transport contract for ZeroMQ PUSH to PULL. ZeroMQ does not tell the application about
 * peers (the source's events are for its own socket) nor why it dropped a peer: an oversized
 * frame disconnects that peer inside JeroMQ with no error the library could report (see
 * {@link ZmqSource}), so that clause checks only that the other peer loses nothing and the
 * oversized message never arrives.
 */
class ZmqContractTest extends AbstractTransportContractTest {

    @Override
    protected Source<Message> source(int maxMessageSize, EventDispatcher events) {
        return Transports.zmq().endpoint("tcp://127.0.0.1:*").maxMessageSize(maxMessageSize).events(events).pullSource();
    }

    @Override
    protected Mono<String> address(Source<Message> source) {
        return ((ZmqSource) source).boundEndpoint();
    }

    @Override
    protected Sink<Message> sink(String address) {
        return Transports.zmq().endpoint(address).pushSink();
    }

    @Override
    protected boolean reportsOversized() {
        return false;
    }

    @Override
    protected boolean reportsPeerConnections() {
        return false;
    }
}
