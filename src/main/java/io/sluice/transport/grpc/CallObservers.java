package io.sluice.transport.grpc;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.sluice.transport.internal.ServerSkeleton;

/**
 * What the gRPC source observes beside its calls, reported through the subscription's
 * {@link ServerSkeleton.Binding}: client connections (HTTP/2 transports, whatever calls they
 * carry) as {@code ConnectionOpened}/{@code ConnectionClosed}, and every call that ends with a
 * non-OK status as a {@code ConnectionError}, including those grpc-java fails before the service
 * sees them (oversized or unparsable messages).
 */
final class CallObservers {

    private static final Attributes.Key<String> READY = Attributes.Key.create("sluice-grpc-ready");

    private CallObservers() {
    }

    private static String remote(Attributes a) {
        return String.valueOf(a.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    }

    /**
     * @param b the subscription
     * @return a transport filter reporting client connections opened and closed
     */
    static ServerTransportFilter connections(ServerSkeleton.Binding b) {
        return new ServerTransportFilter() {
            @Override
            public Attributes transportReady(Attributes a) {
                b.track(remote(a), null);
                return a.toBuilder().set(READY, "yes").build();
            }

            @Override
            public void transportTerminated(Attributes a) {
                if (a != null && a.get(READY) != null) {
                    b.untrack(remote(a), null);
                }
            }
        };
    }

    /**
     * @param b the subscription
     * @return a tracer factory reporting every call that ends with a non-OK status
     */
    static ServerStreamTracer.Factory failedCalls(ServerSkeleton.Binding b) {
        return new ServerStreamTracer.Factory() {
            @Override
            public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
                return new ServerStreamTracer() {
                    private volatile String remote = "?";

                    @Override
                    public void serverCallStarted(ServerCallInfo<?, ?> info) {
                        remote = remote(info.getAttributes());
                    }

                    @Override
                    public void streamClosed(Status status) {
                        if (!status.isOk()) {
                            b.error(remote, "call " + fullMethodName + " failed: " + status.getCode()
                                    + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")"),
                                    status.getCause());
                        }
                    }
                };
            }
        };
    }
}
