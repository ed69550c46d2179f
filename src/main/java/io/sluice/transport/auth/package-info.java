/**
 * Client authentication for the network transports: who is calling, and refusing those who may not.
 *
 * <p>{@link io.sluice.transport.auth.TokenAuthenticator} holds the bearer tokens of a tokens file
 * ({@code auth: {tokensFile}}; schema {@link io.sluice.transport.auth.TokenAuthenticator#authOption()}),
 * compares in constant time and names the caller. The transports plug it in where their protocol
 * carries credentials: {@link io.sluice.transport.auth.BearerTokens} for HTTP and the WebSocket
 * handshake, {@link io.sluice.transport.auth.GrpcAuthInterceptor} (with
 * {@link io.sluice.transport.auth.BearerCallCredentials} on the client) for gRPC,
 * {@link io.sluice.transport.auth.RSocketAuth} for RSocket's SETUP frame, and
 * {@link io.sluice.transport.auth.ZmqCurve} for ZeroMQ's CURVE. Every refusal goes to an
 * {@link io.sluice.transport.auth.AuthListener}, never with the token. See {@code docs/security.md}.
 */
package io.sluice.transport.auth;
