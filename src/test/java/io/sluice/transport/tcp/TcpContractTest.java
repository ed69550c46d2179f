package io.sluice.transport.tcp;

import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import io.sluice.transport.AbstractTransportContractTest;
import io.sluice.transport.Transports;
import org.junit.jupiter.api.Nested;

/** The transport contract for TCP, with each framing. */
class TcpContractTest {

    private static Source<Message> source(Framing framing, int max, EventDispatcher events) {
        return Transports.tcp().framing(framing).maxFrameLength(max).events(events).source();
    }

    private static Sink<Message> sink(Framing framing, String address) {
        return Transports.tcp().framing(framing).port(AbstractTransportContractTest.port(address)).sink();
    }

    /** Length-prefixed framing. */
    @Nested
    class LengthPrefixed extends AbstractTransportContractTest {
        @Override
        protected Source<Message> source(int maxMessageSize, EventDispatcher events) {
            return TcpContractTest.source(Framing.lengthPrefixed(), maxMessageSize, events);
        }

        @Override
        protected Sink<Message> sink(String address) {
            return TcpContractTest.sink(Framing.lengthPrefixed(), address);
        }

        @Override
        protected Source<Message> sourceWithMaxConnections(int maxConnections, EventDispatcher events) {
            return Transports.tcp().framing(Framing.lengthPrefixed()).maxConnections(maxConnections).events(events)
                    .source();
        }
    }

    /** Newline framing (the payloads hold no newline). */
    @Nested
    class Newline extends AbstractTransportContractTest {
        @Override
        protected Source<Message> source(int maxMessageSize, EventDispatcher events) {
            return TcpContractTest.source(Framing.newline(), maxMessageSize, events);
        }

        @Override
        protected Sink<Message> sink(String address) {
            return TcpContractTest.sink(Framing.newline(), address);
        }
    }
}
