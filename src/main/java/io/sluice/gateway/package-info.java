/**
 * The gateway: reads a YAML configuration ({@link io.sluice.gateway.GatewayConfig}), validated against
 * the option schemas of the transports on the class path ({@link io.sluice.transport.spi.TransportRegistry})
 * and the built-in steps, and runs its pipelines ({@link io.sluice.gateway.Gateway}) with Micrometer
 * meters and an admin endpoint ({@link io.sluice.gateway.AdminServer}). Nothing here names a transport:
 * a new one is picked up from its {@link io.sluice.transport.spi.TransportProvider}.
 */
package io.sluice.gateway;
