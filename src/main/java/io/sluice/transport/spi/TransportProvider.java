package io.sluice.transport.spi;

import java.util.List;
import java.util.ServiceLoader;

/**
 * A transport, as the gateway sees it: found with {@link ServiceLoader} (one line in
 * {@code META-INF/services/io.sluice.transport.spi.TransportProvider}), it lists the endpoint types it
 * offers. A new transport is one folder plus that one line; the gateway, {@code sluice validate} and
 * the README table pick it up from here.
 *
 * <pre>{@code
 * public final class TcpProvider implements TransportProvider {
 *     public List<EndpointType> endpointTypes() {
 *         return List.of(EndpointType.builder("tcp", "TCP stream, newline or length-prefixed frames")
 *                 .option(OptionSpec.optional("host", OptionType.STRING, "127.0.0.1", "bind or connect address"))
 *                 .option(OptionSpec.required("port", OptionType.PORT, "port"))
 *                 .source((options, context) -> ...)
 *                 .sink((options, context) -> ...)
 *                 .binds(Bind::tcpServer)
 *                 .build());
 *     }
 * }
 * }</pre>
 */
public interface TransportProvider {

    /**
     * @return the endpoint types this transport offers; names must be unique across all providers
     */
    List<EndpointType> endpointTypes();
}
