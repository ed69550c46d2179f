package io.sluice.transport.auth;

import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Client side of {@link GrpcAuthInterceptor}: adds {@code authorization: Bearer <token>} to every call
 * ({@code stub.withCallCredentials(...)} or {@code CallOptions.withCallCredentials}). The token is read
 * from the supplier per call, so a sink can follow a rotated token file.
 */
public final class BearerCallCredentials extends CallCredentials {

    private final Supplier<String> token;

    /** @param token supplies the current token */
    public BearerCallCredentials(Supplier<String> token) {
        this.token = Objects.requireNonNull(token, "token");
    }

    /**
     * @param token supplies the current token
     * @return a channel interceptor giving every call these credentials
     *     ({@code NettyChannelBuilder.intercept(...)})
     */
    public static ClientInterceptor interceptor(Supplier<String> token) {
        CallCredentials credentials = new BearerCallCredentials(token);
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                    Channel next) {
                return next.newCall(method, options.withCallCredentials(credentials));
            }
        };
    }

    @Override
    public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        String t;
        try {
            t = token.get();
        } catch (RuntimeException e) { // e.g. the token file is unreadable: the call fails, saying why
            applier.fail(Status.UNAUTHENTICATED.withDescription("no bearer token: " + e.getMessage()));
            return;
        }
        if (t == null || t.isEmpty()) {
            applier.fail(Status.UNAUTHENTICATED.withDescription("no bearer token configured"));
            return;
        }
        Metadata m = new Metadata();
        m.put(GrpcAuthInterceptor.AUTHORIZATION, BearerTokens.header(t));
        applier.apply(m);
    }
}
