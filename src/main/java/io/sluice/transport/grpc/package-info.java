/**
 * gRPC transport (grpc-java, Netty): the {@code sluice.v1.Ingest} service with unary, client
 * streaming and bidirectional calls, under manual flow control so the pipeline's demand reaches
 * the senders. Obtain it from {@code Transports.grpc()}. The generated protocol classes are in
 * {@code io.sluice.transport.grpc.proto}.
 */
package io.sluice.transport.grpc;
