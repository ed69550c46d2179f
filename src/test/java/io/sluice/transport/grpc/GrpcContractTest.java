package io.sluice.transport.grpc;

import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import io.sluice.transport.AbstractTransportContractTest;
import io.sluice.transport.Transports;

/**
 * The transport contract for gRPC (client-streaming sink). An oversized envelope fails its call
 * with {@code RESOURCE_EXHAUSTED}, naming the limit; other calls go on. A connection beyond
 * {@code maxConnections} has its calls closed with {@code UNAVAILABLE}.
 */
class GrpcContractTest extends AbstractTransportContractTest {

    @Override
    protected Source<Message> source(int maxMessageSize, EventDispatcher events) {
        return Transports.grpc().maxMessageSize(maxMessageSize).events(events).source();
    }

    /** Batches stay below the contract's small source limit (a batch is one gRPC message, see GrpcBuilder#batch). */
    @Override
    protected Sink<Message> sink(String address) {
        return Transports.grpc().port(port(address)).batch(GrpcBuilder.DEFAULT_BATCH_MESSAGES, SMALL_LIMIT / 2).sink();
    }

    @Override
    protected Source<Message> sourceWithMaxConnections(int maxConnections, EventDispatcher events) {
        return Transports.grpc().maxConnections(maxConnections).events(events).source();
    }
}
