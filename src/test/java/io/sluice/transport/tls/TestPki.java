package io.sluice.transport.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test certificates made at test time with BouncyCastle: a CA, and leaf certificates it issues (EC P-256,
 * with chosen serial, names and validity), written as PEM files (key as PKCS#8).
 */
final class TestPki {

    /** A key pair and its certificate. */
    record Issued(KeyPair keys, X509Certificate cert) {
        BigInteger serial() {
            return cert.getSerialNumber();
        }

        /** Writes {@code name.pem} and {@code name-key.pem} into {@code dir}, atomically each. */
        Files2 write(Path dir, String name) throws IOException {
            Path c = dir.resolve(name + ".pem");
            Path k = dir.resolve(name + "-key.pem");
            writeAtomically(k, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
            writeAtomically(c, certPem(cert));
            return new Files2(c, k);
        }
    }

    /** A certificate file and its key file. */
    record Files2(Path cert, Path key) {
    }

    private final Issued ca;
    private long nextSerial = 100;

    TestPki(String caName) throws Exception {
        KeyPair keys = ecKeys();
        X500Name name = new X500Name("CN=" + caName);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), name,
                keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        ca = new Issued(keys, sign(b, keys));
    }

    Issued ca() {
        return ca;
    }

    /** Writes the CA certificate to {@code dir/name.pem}. */
    Path writeCa(Path dir, String name) throws IOException {
        Path p = dir.resolve(name + ".pem");
        writeAtomically(p, certPem(ca.cert()));
        return p;
    }

    /** A certificate valid now for CN={@code cn} and the given DNS names / IP addresses. */
    Issued issue(String cn, List<String> dnsNames, List<String> ips) throws Exception {
        Instant now = Instant.now();
        return issue(cn, dnsNames, ips, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
    }

    /** A certificate for localhost and 127.0.0.1. */
    Issued localhost(String cn) throws Exception {
        return issue(cn, List.of("localhost"), List.of("127.0.0.1"));
    }

    Issued issue(String cn, List<String> dnsNames, List<String> ips, Instant from, Instant to) throws Exception {
        KeyPair keys = ecKeys();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                new X500Name(ca.cert().getSubjectX500Principal().getName()), BigInteger.valueOf(nextSerial++),
                Date.from(from), Date.from(to), new X500Name("CN=" + cn + ",O=Sluice Test"), keys.getPublic());
        GeneralName[] names = new GeneralName[dnsNames.size() + ips.size()];
        int i = 0;
        for (String d : dnsNames) {
            names[i++] = new GeneralName(GeneralName.dNSName, d);
        }
        for (String ip : ips) {
            names[i++] = new GeneralName(GeneralName.iPAddress, ip);
        }
        if (names.length > 0) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        }
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        return new Issued(keys, sign(b, ca.keys()));
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static KeyPair ecKeys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    static String certPem(X509Certificate c) {
        try {
            return pem("CERTIFICATE", c.getEncoded());
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** Writes via a temporary file and a rename, as certificate rotation tools do. */
    static void writeAtomically(Path target, String text) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
