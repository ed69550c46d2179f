package io.sluice.transport.grpc;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.sluice.transport.internal.ServerSkeleton;

/**
 * What the gRPC source observes beside its calls, reported through the subscription's
 * {@link ServerSkeleton.Binding}: client connections (HTTP/2 transports, whatever calls they
 * carry) as {@code ConnectionOpened}/{@code ConnectionClosed} within {@code maxConnections} (one
 * beyond is refused: a {@code ConnectionError}, and its calls closed with {@code UNAVAILABLE}), and every call that ends with a
 * non-OK status as a {@code ConnectionError}, including those grpc-java fails before the service
 * sees them (oversized or unparsable messages).
 */
final class CallObservers {

    private static final Attributes.Key<String> READY = Attributes.Key.create("sluice-grpc-ready");
    private static final Attributes.Key<String> REFUSED = Attributes.Key.create("sluice-grpc-refused");

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
                // beyond maxConnections: refused (ConnectionError), its calls closed by refusedConnections
                return a.toBuilder().set(b.track(remote(a), null) ? READY : REFUSED, "yes").build();
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
     * @return an interceptor that closes every call of a connection refused by
     *         {@link #connections} with {@code UNAVAILABLE}, reading none of its requests
     */
    static ServerInterceptor refusedConnections(ServerSkeleton.Binding b) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                if (call.getAttributes().get(REFUSED) == null) {
                    return next.startCall(call, headers);
                }
                call.close(Status.UNAVAILABLE.withDescription("connection limit reached (" + b.maxConnections()
                        + "), connection refused"), new Metadata());
                return new ServerCall.Listener<>() { };
            }
        };
    }

    /**
     * @param b the subscription
     * @return a tracer factory reporting every call that ends with a non-OK status (except the
     *         calls of a refused connection, whose refusal was reported once)
     */
    static ServerStreamTracer.Factory failedCalls(ServerSkeleton.Binding b) {
        return new ServerStreamTracer.Factory() {
            @Override
            public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
                return new ServerStreamTracer() {
                    private volatile String remote = "?";
                    private volatile boolean refused;

                    @Override
                    public void serverCallStarted(ServerCallInfo<?, ?> info) {
                        remote = remote(info.getAttributes());
                        refused = info.getAttributes().get(REFUSED) != null;
                    }

                    @Override
                    public void streamClosed(Status status) {
                        if (!status.isOk() && !refused) {
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
