package io.sluice.transport;

import io.sluice.Message;
import io.sluice.pipeline.Source;
import java.net.InetSocketAddress;
import reactor.core.publisher.Mono;

/** A source that is a network server: it binds when its flux is subscribed. */
public interface ServerSource extends Source<Message>, Listening, Metered {

    /** @return the bound address, once the current subscription has bound (useful with port 0) */
    Mono<InetSocketAddress> boundAddress();

    /** @return {@link #boundAddress()} as text */
    @Override
    default Mono<String> listening() {
        return boundAddress().map(String::valueOf);
    }

    /**
     * @return whether subscribing binds a server (true for every server source; false when a
     *         transport configured as a client, e.g. an RSocket request-stream subscriber, shares
     *         the type)
     */
    default boolean binds() {
        return true;
    }

    /** @return this source's counters: messages, bytes, connections, errors, losses */
    @Override
    TransportMetrics metrics();
}
