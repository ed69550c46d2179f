package io.sluice.transport.tls;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

/**
 * One consistent, parsed set of a context's PEM files: the own certificate chain and key (if any) and
 * the CA certificates trusted for peers (if any). Parsing checks that the key belongs to the leaf
 * certificate (a signature made with the key verifies with the certificate's public key), so a
 * certificate replaced before its key is rejected instead of failing every handshake.
 */
final class TlsMaterial {

    final X509Certificate[] chain;
    final PrivateKey key;
    final X509Certificate[] trusted;

    private TlsMaterial(X509Certificate[] chain, PrivateKey key, X509Certificate[] trusted) {
        this.chain = chain;
        this.key = key;
        this.trusted = trusted;
    }

    /**
     * @param options which files were read
     * @param contents the files' bytes in {@link TlsOptions#files()} order
     * @return the parsed material
     * @throws GeneralSecurityException (or another exception) with a plain reason
     */
    static TlsMaterial parse(TlsOptions options, List<byte[]> contents) throws Exception {
        int i = 0;
        X509Certificate[] chain = null;
        PrivateKey key = null;
        if (options.cert() != null) {
            chain = certificates(options.cert().toString(), contents.get(i++));
            try {
                key = NettySslContextSwap.privateKey(contents.get(i++));
            } catch (Exception e) {
                throw new GeneralSecurityException(options.key() + ": not a PEM private key (PKCS#8 "
                        + "'BEGIN PRIVATE KEY' or encrypted PKCS#8 expected): " + e.getMessage(), e);
            }
            checkPair(options, chain[0], key);
        }
        X509Certificate[] trusted = null;
        if (options.ca() != null) {
            trusted = certificates(options.ca().toString(), contents.get(i++));
        }
        if (options.clientCa() != null) {
            trusted = certificates(options.clientCa().toString(), contents.get(i));
        }
        return new TlsMaterial(chain, key, trusted);
    }

    /** @return the leaf certificate presented by this side, or null */
    X509Certificate leaf() {
        return chain == null ? null : chain[0];
    }

    private static X509Certificate[] certificates(String file, byte[] pem) throws CertificateException {
        Collection<? extends java.security.cert.Certificate> certs;
        try {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
        } catch (CertificateException e) {
            throw new CertificateException(file + ": not PEM certificates: " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new CertificateException(file + ": no certificate found");
        }
        return certs.stream().map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
    }

    private static void checkPair(TlsOptions options, X509Certificate leaf, PrivateKey key)
            throws GeneralSecurityException {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> "EdDSA";
            default -> null; // e.g. RSASSA-PSS: left to the handshake
        };
        if (alg == null) {
            return;
        }
        String mismatch = options.key() + " does not belong to the certificate in " + options.cert() + " (subject "
                + leaf.getSubjectX500Principal().getName() + ")";
        PublicKey pub = leaf.getPublicKey();
        byte[] probe = new byte[32];
        new SecureRandom().nextBytes(probe);
        try {
            Signature signer = Signature.getInstance(alg);
            signer.initSign(key);
            signer.update(probe);
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance(alg);
            verifier.initVerify(pub);
            verifier.update(probe);
            if (!verifier.verify(sig)) {
                throw new GeneralSecurityException(mismatch);
            }
        } catch (java.security.InvalidKeyException | java.security.SignatureException e) {
            throw new GeneralSecurityException(mismatch + ": " + e.getMessage(), e);
        }
    }
}
