package io.sluice.transport.websocket;

import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import io.sluice.transport.AbstractTransportContractTest;
import io.sluice.transport.Transports;

/** The transport contract for WebSocket. */
class WebSocketContractTest extends AbstractTransportContractTest {

    @Override
    protected Source<Message> source(int maxMessageSize, EventDispatcher events) {
        return Transports.websocket().maxFrameLength(maxMessageSize).events(events).source();
    }

    @Override
    protected Sink<Message> sink(String address) {
        return Transports.websocket().port(port(address)).sink();
    }

    @Override
    protected Source<Message> sourceWithMaxConnections(int maxConnections, EventDispatcher events) {
        return Transports.websocket().maxConnections(maxConnections).events(events).source();
    }
}
