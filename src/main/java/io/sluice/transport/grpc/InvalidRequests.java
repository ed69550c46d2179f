package io.sluice.transport.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.InputStream;

/**
 * Makes a request that cannot be parsed end its call with {@code INVALID_ARGUMENT}.
 *
 * <p>grpc-java parses a request with the method's marshaller on the transport path; when the
 * marshaller throws, the server closes the call with {@code UNKNOWN} ("Application error
 * processing RPC"), which tells the client nothing about whose fault it was. This wrapper swaps
 * each method's request marshaller for a lenient one that captures the parse failure as a value,
 * and closes that call (only that call) with {@code INVALID_ARGUMENT} and the parser's reason
 * before the service sees anything. Valid requests are parsed once, by the original marshaller.
 */
final class InvalidRequests {

    private InvalidRequests() {
    }

    /** @return {@code def} with every method's unparsable requests mapped to INVALID_ARGUMENT */
    static ServerServiceDefinition mapped(ServerServiceDefinition def) {
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(def.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> m : def.getMethods()) {
            b.addMethod(wrap(m));
        }
        return b.build();
    }

    private static <Q, R> ServerMethodDefinition<Parsed<Q>, R> wrap(ServerMethodDefinition<Q, R> def) {
        MethodDescriptor<Q, R> method = def.getMethodDescriptor();
        MethodDescriptor<Parsed<Q>, R> lenient = method.toBuilder(
                new Lenient<>(method.getRequestMarshaller()), method.getResponseMarshaller()).build();
        ServerCallHandler<Q, R> handler = def.getServerCallHandler();
        return ServerMethodDefinition.create(lenient, (call, headers) -> {
            ServerCall.Listener<Q> inner = handler.startCall(new Unwrapped<>(call, method), headers);
            return new Rejecting<>(call, inner);
        });
    }

    /** A parsed request, or the reason it could not be parsed. */
    record Parsed<Q>(Q value, RuntimeException failure) {
    }

    /** Delegates to the original marshaller and keeps a parse failure as a value. */
    private record Lenient<Q>(MethodDescriptor.Marshaller<Q> original) implements MethodDescriptor.Marshaller<Parsed<Q>> {
        @Override
        public InputStream stream(Parsed<Q> value) {
            return original.stream(value.value());
        }

        @Override
        public Parsed<Q> parse(InputStream stream) {
            try {
                return new Parsed<>(original.parse(stream), null);
            } catch (RuntimeException e) {
                return new Parsed<>(null, e);
            }
        }
    }

    /** Forwards parsed requests to the service; closes the call on the first unparsable one. */
    private static final class Rejecting<Q> extends ForwardingServerCallListener<Parsed<Q>> {
        private final ServerCall<?, ?> call;
        private final ServerCall.Listener<Q> inner;
        private boolean rejected;

        Rejecting(ServerCall<?, ?> call, ServerCall.Listener<Q> inner) {
            this.call = call;
            this.inner = inner;
        }

        @Override
        public void onMessage(Parsed<Q> message) {
            if (rejected) {
                return;
            }
            if (message.failure() != null) {
                rejected = true;
                Throwable reason = message.failure().getCause() != null ? message.failure().getCause() : message.failure();
                call.close(Status.INVALID_ARGUMENT
                        .withDescription("request is not a valid " + call.getMethodDescriptor().getFullMethodName()
                                + " message: " + reason.getMessage())
                        .withCause(reason), new Metadata());
                return;
            }
            inner.onMessage(message.value());
        }

        @Override
        public void onHalfClose() {
            if (!rejected) {
                inner.onHalfClose();
            }
        }

        @Override
        public void onCancel() {
            inner.onCancel();
        }

        @Override
        public void onComplete() {
            inner.onComplete();
        }

        @Override
        public void onReady() {
            inner.onReady();
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        protected ServerCall.Listener<Parsed<Q>> delegate() {
            // every method is overridden; the forwarding base is only used for its contract
            return (ServerCall.Listener) inner;
        }
    }

    /**
     * The service's view of the call: the same call, typed with the original request type. A
     * {@code ServerCall}'s request type appears in {@code getMethodDescriptor()} only (every other
     * method takes the response type or none), so forwarding everything to the lenient call and
     * answering that one method with the original descriptor is type-safe; this is what grpc-java's
     * own (package-private) {@code PartialForwardingServerCall} does.
     */
    private static final class Unwrapped<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final MethodDescriptor<Q, R> method;

        @SuppressWarnings({"unchecked", "rawtypes"})
        Unwrapped(ServerCall<Parsed<Q>, R> call, MethodDescriptor<Q, R> method) {
            super((ServerCall) call);
            this.method = method;
        }

        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
            return method;
        }
    }
}
