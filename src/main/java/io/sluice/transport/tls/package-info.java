/**
 * TLS for the network transports: PEM files in, Netty/reactor-netty and gRPC contexts out.
 *
 * <p>{@link io.sluice.transport.tls.TlsOptions} is an endpoint's {@code tls:} group (with its YAML schema,
 * {@link io.sluice.transport.tls.TlsOptions#tlsOption()}); {@link io.sluice.transport.tls.TlsContext}
 * turns it into the objects reactor-netty ({@code secure(...)}) and grpc-netty-shaded
 * ({@code sslContext(...)}) take, on the OpenSSL engine when netty-tcnative loads and the JDK's
 * otherwise, TLS 1.3/1.2 only. Those objects are handed over once and serve the current certificate to
 * every new connection: files are re-read on change and on {@code reload()}, a bad file keeps the old
 * context. {@link io.sluice.transport.tls.PeerIdentity} names a mutual-TLS peer for the {@code client}
 * header; {@link io.sluice.transport.tls.FileReloader} is the file-watching part, shared with the token
 * files of {@code io.sluice.transport.auth}. See {@code docs/security.md}.
 */
package io.sluice.transport.tls;
