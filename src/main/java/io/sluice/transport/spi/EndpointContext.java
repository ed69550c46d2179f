package io.sluice.transport.spi;

import io.sluice.event.EventDispatcher;
import java.io.OutputStream;

/**
 * What the gateway hands an endpoint factory besides its options.
 *
 * @param pipeline name of the pipeline the endpoint belongs to (for logs and metric tags)
 * @param events the gateway's dispatcher: connection events, errors and drops go there
 * @param stdout the gateway's standard output (for a {@code stdout} sink)
 */
public record EndpointContext(String pipeline, EventDispatcher events, OutputStream stdout) {
}
