package io.sluice.transport.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.math.BigInteger;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who is on the other end of an established TLS connection, from the certificate it presented (mutual
 * TLS). {@link #name()} is what becomes a message's {@code client} header.
 *
 * @param subject the certificate's subject, RFC 2253 (e.g. {@code CN=device-17,O=Acme})
 * @param commonName the subject's CN, or null when it has none
 * @param serial the certificate's serial number
 */
public record PeerIdentity(String subject, String commonName, BigInteger serial) {

    /** @return the identity to record: the subject's CN when present, else the whole subject */
    public String name() {
        return commonName != null ? commonName : subject;
    }

    /**
     * @param certificate a peer's leaf certificate
     * @return its identity
     */
    public static PeerIdentity of(X509Certificate certificate) {
        String subject = certificate.getSubjectX500Principal().getName();
        return new PeerIdentity(subject, commonName(subject), certificate.getSerialNumber());
    }

    /**
     * @param session an established TLS session (e.g. gRPC's {@code Grpc.TRANSPORT_ATTR_SSL_SESSION})
     * @return the peer's identity, or empty when the peer presented no certificate
     */
    public static Optional<PeerIdentity> from(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
                return Optional.of(of(leaf));
            }
        } catch (SSLPeerUnverifiedException noCertificate) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * @param channel a Netty channel (reactor-netty: {@code connection.channel()}) whose TLS handshake is done
     * @return the peer's identity, or empty when the channel has no TLS or the peer presented no certificate
     */
    public static Optional<PeerIdentity> from(Channel channel) {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        return ssl == null ? Optional.empty() : from(ssl.engine().getSession());
    }

    private static String commonName(String subject) {
        try {
            LdapName name = new LdapName(subject);
            for (int i = name.size() - 1; i >= 0; i--) {
                Rdn rdn = name.getRdns().get(i);
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return null;
    }
}
