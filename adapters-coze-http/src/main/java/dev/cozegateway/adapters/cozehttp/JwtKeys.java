package dev.cozegateway.adapters.cozehttp;

import dev.cozegateway.domain.Secret;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.RSAPublicKeySpec;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads the RSA private keys that JWT apps sign with (§3.7): PEM, either PKCS#8 ({@code -----BEGIN
 * PRIVATE KEY-----}, what the Coze console downloads) or PKCS#1 ({@code -----BEGIN RSA PRIVATE
 * KEY-----}, what {@code openssl genrsa} wrote before OpenSSL 3), unencrypted.
 *
 * <p>The bootstrap calls {@link #check} at start-up so a bad key fails there, naming its
 * configuration key, rather than at the first token request. No message ever contains key material:
 * BouncyCastle's own messages and causes are dropped for that reason.
 */
public final class JwtKeys {
  private static final String EXPECTED =
      "expected an unencrypted RSA private key as PEM: -----BEGIN PRIVATE KEY----- (PKCS#8) or"
          + " -----BEGIN RSA PRIVATE KEY----- (PKCS#1)";

  private JwtKeys() {}

  /**
   * Checks that {@code pem} is a usable RSA private key.
   *
   * @param configKey the configuration key the PEM came from, named in the message
   * @throws IllegalArgumentException naming {@code configKey} and what is wrong: no PEM, not a
   *     private key, not RSA, encrypted, or corrupt
   */
  public static void check(Secret pem, String configKey) {
    parse(pem, configKey);
  }

  /**
   * The private key in {@code pem}, checked by signing and verifying a probe.
   *
   * @param label what to call the key in a message (a configuration key, or the app)
   * @throws IllegalArgumentException as {@link #check}
   */
  static RSAPrivateKey parse(Secret pem, String label) {
    if (pem == null || pem.reveal().isBlank()) {
      throw new IllegalArgumentException(label + ": no private key given; " + EXPECTED);
    }
    Object object = readFirstObject(pem, label);
    PrivateKey key = toPrivateKey(object, label);
    if (!(key instanceof RSAPrivateKey rsa)) {
      throw new IllegalArgumentException(
          label
              + ": holds an "
              + key.getAlgorithm()
              + " private key, but Coze's JWTs are signed with RSA (RS256); "
              + EXPECTED);
    }
    requireSigns(rsa, label);
    return rsa;
  }

  private static Object readFirstObject(Secret pem, String label) {
    Object object;
    try (PEMParser parser = new PEMParser(new StringReader(pem.reveal()))) {
      object = parser.readObject();
    } catch (IOException | RuntimeException e) {
      // Not chained: the parser's message may quote the offending text.
      throw corrupt(label);
    }
    if (object == null) {
      throw new IllegalArgumentException(label + ": is not PEM (no -----BEGIN line); " + EXPECTED);
    }
    return object;
  }

  private static PrivateKey toPrivateKey(Object object, String label) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try {
      if (object instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      if (object instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
    } catch (IOException | RuntimeException e) {
      throw corrupt(label);
    }
    if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
      throw new IllegalArgumentException(
          label
              + ": the private key is encrypted with a passphrase, which the gateway does not take;"
              + " decrypt it (e.g. openssl pkcs8 -topk8 -nocrypt) and protect the secret instead");
    }
    if (object instanceof SubjectPublicKeyInfo) {
      throw new IllegalArgumentException(
          label + ": holds a public key; the gateway needs the private key. " + EXPECTED);
    }
    if (object instanceof X509CertificateHolder) {
      throw new IllegalArgumentException(
          label + ": holds a certificate; the gateway needs the private key. " + EXPECTED);
    }
    throw new IllegalArgumentException(
        label + ": holds a PEM object that is not a private key; " + EXPECTED);
  }

  /** Signs and verifies a probe: catches keys whose numbers parse but do not fit together. */
  private static void requireSigns(RSAPrivateKey key, String label) {
    boolean verified;
    try {
      byte[] probe = "coze-gateway key check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance("SHA256withRSA");
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      verified = true;
      if (key instanceof RSAPrivateCrtKey crt) {
        PublicKey publicKey =
            KeyFactory.getInstance("RSA")
                .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(publicKey);
        verifier.update(probe);
        verified = verifier.verify(signature);
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(
          label + ": the RSA private key cannot sign (" + e.getClass().getSimpleName() + ")");
    }
    if (!verified) {
      throw new IllegalArgumentException(
          label + ": the RSA private key is corrupt (its numbers do not fit together)");
    }
  }

  private static IllegalArgumentException corrupt(String label) {
    return new IllegalArgumentException(
        label + ": the PEM private key is corrupt (it does not decode); " + EXPECTED);
  }
}
