package io.sluice.transport.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.sluice.transport.tls.PeerIdentity;
import java.util.Optional;

/**
 * gRPC server interceptor that authenticates every call and makes the caller's identity available as
 * {@link #IDENTITY} in the call's {@link Context} (the {@code client} header).
 *
 * <p>With a {@link TokenAuthenticator}, a call must carry {@code authorization: Bearer <token>} metadata
 * naming a known token, or it is closed with {@link Status#UNAUTHENTICATED} before any handler runs;
 * the identity is the token's name. Without one (mutual TLS only), the identity is the client
 * certificate's ({@link PeerIdentity#name()}) when the connection has one. Register it with
 * {@code ServerInterceptors.intercept(service, interceptor)} or {@code serverBuilder.intercept(...)}.
 */
public final class GrpcAuthInterceptor implements ServerInterceptor {

    /** The authenticated identity of the current call, or null when there is none. */
    public static final Context.Key<String> IDENTITY = Context.key("sluice-client-identity");

    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final TokenAuthenticator tokens;
    private final AuthListener listener;

    /**
     * @param tokens the tokens to require, or null to take the identity from the client certificate only
     * @param listener told about every refused call
     */
    public GrpcAuthInterceptor(TokenAuthenticator tokens, AuthListener listener) {
        this.tokens = tokens;
        this.listener = listener == null ? AuthListener.NONE : listener;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
            ServerCallHandler<Q, A> next) {
        String identity;
        if (tokens != null) {
            String value = headers.get(AUTHORIZATION);
            Optional<String> id = tokens.authenticateHeader(value);
            if (id.isEmpty()) {
                String reason = value == null ? "missing bearer token" : "unknown or malformed bearer token";
                listener.refused(reason, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
                call.close(Status.UNAUTHENTICATED.withDescription(reason), new Metadata());
                return new ServerCall.Listener<>() { };
            }
            identity = id.get();
        } else {
            identity = PeerIdentity.from(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION))
                    .map(PeerIdentity::name).orElse(null);
        }
        return Contexts.interceptCall(Context.current().withValue(IDENTITY, identity), call, headers, next);
    }
}
