package io.sluice.transport.grpc;

import io.sluice.transport.StreamServerBuilder;
import io.sluice.transport.Transports;
import io.sluice.transport.spi.Bind;
import io.sluice.transport.spi.EndpointContext;
import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import io.sluice.transport.spi.TransportProvider;
import io.sluice.transport.internal.SecurityOptions;
import io.sluice.transport.spi.Role;
import java.util.List;

/** The {@code grpc} endpoint type: the {@code sluice.v1.Ingest} service ({@link GrpcSource}) and its client ({@link GrpcSink}). */
public final class GrpcProvider implements TransportProvider {

    @Override
    public List<EndpointType> endpointTypes() {
        return List.of(SecurityOptions.declare(EndpointType.network("grpc", "gRPC sluice.v1.Ingest: unary Send, client-streaming SendBatches/SendStream or bidirectional ExchangeBatches/Exchange",
                        Bind.Protocol.TCP)
                .option(OptionSpec.optional("maxMessageSize", OptionType.POSITIVE_INT, 4 << 20,
                        "largest gRPC message in bytes (an envelope, or a batch of them); a larger one fails its call"
                        + " with RESOURCE_EXHAUSTED"))
                .option(OptionSpec.choice("mode", "stream", "one client stream (SendBatches, or SendStream without"
                        + " batching), one unary call per message, or one bidirectional call (ExchangeBatches, or Exchange)"
                        + " with server acks",
                        "stream", "unary", "exchange").sinkOnly())
                .option(OptionSpec.group("batch", "stream and exchange modes: each gRPC message carries the messages at hand"
                        + " (SendBatches, ExchangeBatches), never waiting to fill one; absent => the defaults",
                        OptionSpec.optional("maxMessages", OptionType.POSITIVE_INT, GrpcBuilder.DEFAULT_BATCH_MESSAGES,
                                "envelopes per gRPC message; 1: batching off, one envelope per message (SendStream,"
                                + " Exchange: for servers without the batch methods)"),
                        OptionSpec.optional("maxBytes", OptionType.SIZE, (long) GrpcBuilder.DEFAULT_BATCH_BYTES,
                                "serialized envelope bytes per gRPC message; keep it below the server's"
                                + " maxMessageSize")).sinkOnly())
                .option(OptionSpec.optional("maxUnaryWait", OptionType.DURATION, java.time.Duration.ofSeconds(10),
                        "longest wait of a unary call for demand, and with a persistent stage of an envelope for"
                        + " durability, before RESOURCE_EXHAUSTED").sourceOnly())
                .option(OptionSpec.maxConnections(256))
                .option(OptionSpec.optional("idleTimeout", OptionType.DURATION, StreamServerBuilder.DEFAULT_IDLE_TIMEOUT,
                        "close a connection without open calls for this long (GOAWAY; 0s: never)").sourceOnly())
                .option(OptionSpec.optional("keepAliveTime", OptionType.DURATION, GrpcBuilder.DEFAULT_KEEPALIVE_TIME,
                        "ping a connection silent for this long (at least 10s, gRPC's minimum; 0s: never)").sourceOnly())
                .option(OptionSpec.optional("keepAliveTimeout", OptionType.DURATION,
                        GrpcBuilder.DEFAULT_KEEPALIVE_TIMEOUT, "close it when the ping is not answered within this")
                        .sourceOnly())
                .option(OptionSpec.optional("permitKeepAliveTime", OptionType.DURATION,
                        GrpcBuilder.DEFAULT_PERMIT_KEEPALIVE_TIME,
                        "shortest client ping interval accepted; more often: GOAWAY too_many_pings").sourceOnly())
                .option(OptionSpec.optional("handshakeTimeout", OptionType.DURATION,
                        GrpcBuilder.DEFAULT_HANDSHAKE_TIMEOUT,
                        "close a connection whose TLS and HTTP/2 handshake is not done within this").sourceOnly()), true)
                .source((o, c) -> SecurityOptions.apply(builder(o, c), o, Role.SOURCE).maxConnections(o.integer("maxConnections"))
                        .maxUnaryWait(o.duration("maxUnaryWait"))
                        .idleTimeout(o.duration("idleTimeout")).keepAliveTime(o.duration("keepAliveTime"))
                        .keepAliveTimeout(o.duration("keepAliveTimeout"))
                        .permitKeepAliveTime(o.duration("permitKeepAliveTime"))
                        .handshakeTimeout(o.duration("handshakeTimeout")).source())
                .sink((o, c) -> SecurityOptions.apply(builder(o, c), o, Role.SINK)
                        .mode(GrpcBuilder.Mode.valueOf(o.string("mode").toUpperCase(java.util.Locale.ROOT)))
                        .batch(batchMessages(o), batchBytes(o))
                        .sink())
                .build());
    }

    private static int batchMessages(EndpointOptions o) {
        EndpointOptions batch = o.group("batch");
        return batch == null ? GrpcBuilder.DEFAULT_BATCH_MESSAGES : batch.integer("maxMessages");
    }

    private static int batchBytes(EndpointOptions o) {
        EndpointOptions batch = o.group("batch");
        long bytes = batch == null ? GrpcBuilder.DEFAULT_BATCH_BYTES : batch.size("maxBytes");
        if (bytes < 1 || bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch.maxBytes: must be between 1 B and 2 GiB, was " + bytes);
        }
        return (int) bytes;
    }

    private static GrpcBuilder builder(EndpointOptions o, EndpointContext c) {
        return Transports.grpc().host(o.string("host")).port(o.integer("port"))
                .maxMessageSize(o.integer("maxMessageSize")).events(c.events());
    }
}
