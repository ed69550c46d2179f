package io.sluice.bench.transport;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.sluice.Message;
import io.sluice.transport.grpc.proto.Ack;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.grpc.proto.IngestGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Baseline: plain grpc-java client streaming of the same {@code Envelope} on the same service
 * definition, with grpc-java's automatic inbound flow control on the server and the canonical
 * {@code isReady()}/{@code onReadyHandler} loop on the client; no Reactor bridge, no Sluice
 * {@code Message} conversion on receive.
 */
final class RawGrpcLane implements Lane {
    private Server server;

    @Override
    public void start(Counter counter) {
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .maxInboundMessageSize(4 << 20)
                    .addService(new IngestGrpc.IngestImplBase() {
                        @Override
                        public StreamObserver<Envelope> sendStream(StreamObserver<Ack> responses) {
                            return new StreamObserver<>() {
                                long n;

                                @Override
                                public void onNext(Envelope e) {
                                    n++;
                                    counter.hit();
                                }

                                @Override
                                public void onError(Throwable t) {
                                }

                                @Override
                                public void onCompleted() {
                                    responses.onNext(Ack.newBuilder().setCount(n).build());
                                    responses.onCompleted();
                                }
                            };
                        }
                    }).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Mono<Void> send(Message template, int count) {
        return Mono.defer(() -> {
            int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            Sinks.Empty<Void> done = Sinks.empty();
            IngestGrpc.newStub(channel).sendStream(new ClientResponseObserver<Envelope, Ack>() {
                int sent;

                @Override
                public void beforeStart(ClientCallStreamObserver<Envelope> requests) {
                    requests.setOnReadyHandler(() -> {
                        while (requests.isReady() && sent < count) {
                            requests.onNext(Envelope.newBuilder()
                                    .setPayload(UnsafeByteOperations.unsafeWrap(template.payload()))
                                    .setSequence(sent++).build());
                        }
                        if (sent == count) {
                            sent++;
                            requests.onCompleted();
                        }
                    });
                }

                @Override
                public void onNext(Ack value) {
                }

                @Override
                public void onError(Throwable t) {
                    done.tryEmitError(t);
                }

                @Override
                public void onCompleted() {
                    done.tryEmitEmpty();
                }
            });
            return done.asMono().doFinally(s -> {
                channel.shutdownNow();
                try {
                    channel.awaitTermination(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        });
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
