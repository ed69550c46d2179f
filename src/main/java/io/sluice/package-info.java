/**
 * Sluice's core value types: {@link io.sluice.Message}, the one message type that flows through
 * transports and pipelines, and {@link io.sluice.Ack}, its end-to-end acknowledgement. Entry points
 * elsewhere: {@code io.sluice.pipeline.Pipeline} (the fluent DSL), {@code io.sluice.overflow.Overflow}
 * (overflow policies), {@code io.sluice.transport.Transports} (network transports) and
 * {@code io.sluice.gateway.GatewayConfig} (the YAML gateway).
 */
package io.sluice;
