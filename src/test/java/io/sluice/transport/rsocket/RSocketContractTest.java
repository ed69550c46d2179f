package io.sluice.transport.rsocket;

import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import io.sluice.transport.AbstractTransportContractTest;
import io.sluice.transport.Transports;

/**
 * The transport contract for RSocket over TCP (request-channel sink). An oversized frame is
 * refused by the transport, which closes that connection with an error naming the limit.
 */
class RSocketContractTest extends AbstractTransportContractTest {

    @Override
    protected Source<Message> source(int maxMessageSize, EventDispatcher events) {
        return Transports.rsocket().maxMessageSize(maxMessageSize).events(events).source();
    }

    @Override
    protected Sink<Message> sink(String address) {
        return Transports.rsocket().port(port(address)).sink();
    }

    @Override
    protected Source<Message> sourceWithMaxConnections(int maxConnections, EventDispatcher events) {
        return Transports.rsocket().maxConnections(maxConnections).events(events).source();
    }
}
