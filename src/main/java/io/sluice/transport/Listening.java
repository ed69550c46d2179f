package io.sluice.transport;

import reactor.core.publisher.Mono;

/**
 * A source or sink that listens while it runs: subscribing to its flux (a source) or to its write
 * (a sink) binds a server socket. Every {@link ServerSource} is one; so are a ZeroMQ socket
 * configured to bind and an RSocket request-stream sink. The gateway waits for
 * {@link #listening()} before it starts the next pipeline, so that a failed bind (port in use,
 * address not local, no permission) stops the startup at once instead of leaving a dead pipeline.
 */
public interface Listening {

    /**
     * @return what the current subscription or write bound (address or endpoint, as text), once it
     *         is bound; it does not complete while the bind is pending, and a failed bind ends the
     *         subscription or write with that error
     */
    Mono<String> listening();
}
