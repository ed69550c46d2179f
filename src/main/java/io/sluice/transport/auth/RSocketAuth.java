package io.sluice.transport.auth;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.rsocket.ConnectionSetupPayload;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.exceptions.RejectedSetupException;
import io.rsocket.metadata.AuthMetadataCodec;
import io.rsocket.metadata.CompositeMetadata;
import io.rsocket.metadata.CompositeMetadataCodec;
import io.rsocket.metadata.WellKnownAuthType;
import io.rsocket.metadata.WellKnownMimeType;
import java.util.Optional;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * Bearer tokens in RSocket's SETUP frame, with the standard authentication extension
 * ({@code message/x.rsocket.authentication.v0}, bearer type), decoded and encoded by rsocket-core's
 * {@link AuthMetadataCodec}. The SETUP metadata is either composite metadata
 * ({@code message/x.rsocket.composite-metadata.v0}) holding an authentication entry, or, when the
 * connection's metadata MIME type is the authentication type itself, that entry alone.
 */
public final class RSocketAuth {

    static final String AUTH_MIME = WellKnownMimeType.MESSAGE_RSOCKET_AUTHENTICATION.getString();
    static final String COMPOSITE_MIME = WellKnownMimeType.MESSAGE_RSOCKET_COMPOSITE_METADATA.getString();

    private RSocketAuth() {
    }

    /**
     * Server side: a {@link SocketAcceptor} that rejects a SETUP without a known bearer token (the client
     * gets a {@link RejectedSetupException}) and otherwise hands the connection to the acceptor made for
     * the authenticated identity.
     *
     * @param tokens the tokens to accept
     * @param listener told about every rejected SETUP
     * @param acceptorFor makes the acceptor for an identity (e.g. one that stamps the {@code client} header)
     * @return the guarding acceptor
     */
    public static SocketAcceptor acceptor(TokenAuthenticator tokens, AuthListener listener,
            Function<String, SocketAcceptor> acceptorFor) {
        AuthListener l = listener == null ? AuthListener.NONE : listener;
        return (setup, sendingSocket) -> {
            Optional<String> token = bearerToken(setup);
            Optional<String> identity = token.flatMap(tokens::authenticate);
            if (identity.isEmpty()) {
                String reason = token.isEmpty() ? "missing bearer token" : "unknown bearer token";
                l.refused(reason, null);
                return Mono.<RSocket>error(new RejectedSetupException(reason));
            }
            return acceptorFor.apply(identity.get()).accept(setup, sendingSocket);
        };
    }

    /**
     * @param setup a SETUP payload
     * @return the bearer token it carries, or empty (no metadata, another auth type, malformed)
     */
    public static Optional<String> bearerToken(ConnectionSetupPayload setup) {
        if (!setup.hasMetadata()) {
            return Optional.empty();
        }
        ByteBuf metadata = setup.sliceMetadata();
        try {
            if (AUTH_MIME.equals(setup.metadataMimeType())) {
                return bearer(metadata);
            }
            if (COMPOSITE_MIME.equals(setup.metadataMimeType())) {
                for (CompositeMetadata.Entry e : new CompositeMetadata(metadata, false)) {
                    if (AUTH_MIME.equals(e.getMimeType())) {
                        return bearer(e.getContent());
                    }
                }
            }
        } catch (RuntimeException malformed) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static Optional<String> bearer(ByteBuf entry) {
        if (!entry.isReadable() || !AuthMetadataCodec.isWellKnownAuthType(entry)
                || AuthMetadataCodec.readWellKnownAuthType(entry) != WellKnownAuthType.BEARER) {
            return Optional.empty();
        }
        char[] token = AuthMetadataCodec.readBearerTokenAsCharArray(entry);
        return token.length == 0 ? Optional.empty() : Optional.of(new String(token));
    }

    /**
     * Client side: composite SETUP metadata carrying a bearer token, for
     * {@code RSocketConnector.create().metadataMimeType(COMPOSITE_METADATA).setupPayload(...)}.
     *
     * @param alloc allocator
     * @param token the token
     * @return the metadata (the caller owns it; a payload made from it takes it over)
     */
    public static ByteBuf bearerSetupMetadata(ByteBufAllocator alloc, String token) {
        CompositeByteBuf composite = alloc.compositeBuffer();
        ByteBuf auth = AuthMetadataCodec.encodeBearerMetadata(alloc, token.toCharArray());
        CompositeMetadataCodec.encodeAndAddMetadata(composite, alloc,
                WellKnownMimeType.MESSAGE_RSOCKET_AUTHENTICATION, auth);
        return composite;
    }

    /** @return the composite metadata MIME type to give the connector with {@link #bearerSetupMetadata} */
    public static String compositeMetadataMimeType() {
        return COMPOSITE_MIME;
    }
}
