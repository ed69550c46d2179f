/**
 * Plumbing the transport packages share; not part of Sluice's API and may change in any release.
 *
 * <ul>
 *   <li>{@link io.sluice.transport.internal.ServerSkeleton}: the life cycle of every server source
 *       (bind on subscribe, bound address, connection bound and events, close on cancel or stop).</li>
 *   <li>{@link io.sluice.transport.internal.BoundAddress}: the per-subscription bound address.</li>
 *   <li>{@link io.sluice.transport.internal.ConnectionReporter}: metrics, events and WARN lines for
 *       connections and their errors.</li>
 *   <li>{@link io.sluice.transport.internal.ClientSink}: the reactor-netty client sinks' write.</li>
 *   <li>{@link io.sluice.transport.internal.MergingNettyServer}: TCP and WebSocket servers' merge of their
 *       connections with bounded concurrency.</li>
 *   <li>{@link io.sluice.transport.internal.BuilderFactories}: how {@code Transports} creates the builders,
 *       whose constructors are package-private.</li>
 *   <li>{@link io.sluice.transport.internal.MessageMetadata}: the binary metadata codec shared by
 *       RSocket and ZeroMQ.</li>
 *   <li>{@link io.sluice.transport.internal.AwaitedAck}: the wait of a request-response source for
 *       its message's acknowledgement (durable in a persistent stage) before it answers.</li>
 *   <li>{@link io.sluice.transport.internal.RateLimitedLog}, {@link io.sluice.transport.internal.Checks},
 *       {@link io.sluice.transport.internal.TransportSupport}: small helpers.</li>
 * </ul>
 */
package io.sluice.transport.internal;
