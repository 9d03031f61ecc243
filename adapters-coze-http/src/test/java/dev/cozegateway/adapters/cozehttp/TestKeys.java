package dev.cozegateway.adapters.cozehttp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cozegateway.domain.Secret;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;

/** RSA keys as PEM in the formats apps configure, and a JWT reader that checks the signature. */
final class TestKeys {
  /** Two key pairs, made once per test JVM: 2048-bit generation takes a moment. */
  static final KeyPair RSA = generate("RSA", 2048);

  static final KeyPair OTHER_RSA = generate("RSA", 2048);

  private static final ObjectMapper JSON = new ObjectMapper();

  private TestKeys() {}

  /** {@code -----BEGIN PRIVATE KEY-----}: PKCS#8, what the Coze console downloads. */
  static Secret pkcs8(KeyPair pair) {
    return Secret.of(pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
  }

  /** {@code -----BEGIN RSA PRIVATE KEY-----}: PKCS#1, what older {@code openssl genrsa} wrote. */
  static Secret pkcs1(KeyPair pair) {
    try {
      byte[] der =
          PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded())
              .parsePrivateKey()
              .toASN1Primitive()
              .getEncoded();
      return Secret.of(pem("RSA PRIVATE KEY", der));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code -----BEGIN PUBLIC KEY-----}. */
  static Secret publicPem(KeyPair pair) {
    return Secret.of(pem("PUBLIC KEY", pair.getPublic().getEncoded()));
  }

  /** PKCS#1 encrypted with a passphrase, OpenSSL's traditional way ({@code Proc-Type}). */
  static Secret encryptedPkcs1(KeyPair pair) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(
          new JcaMiscPEMGenerator(
              pair.getPrivate(),
              new JcePEMEncryptorBuilder("AES-128-CBC")
                  .setProvider(new BouncyCastleProvider())
                  .build("passphrase".toCharArray())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Secret.of(out.toString());
  }

  /** {@code -----BEGIN ENCRYPTED PRIVATE KEY-----}: PKCS#8 encrypted with a passphrase. */
  static Secret encryptedPkcs8(KeyPair pair) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(
          new JcaPKCS8Generator(
              pair.getPrivate(),
              new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                  .setProvider(new BouncyCastleProvider())
                  .setPassword("passphrase".toCharArray())
                  .build()));
    } catch (IOException | OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
    return Secret.of(out.toString());
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /** The base64 lines of a PEM: none of them may appear in a message. */
  static String[] keyMaterial(Secret pem) {
    return Arrays.stream(pem.reveal().split("\n"))
        .map(String::strip)
        .filter(line -> line.length() >= 16 && !line.startsWith("-----") && !line.contains(":"))
        .toArray(String[]::new);
  }

  /** A JWT's three parts, its signature checked with {@code key}. */
  record Jwt(JsonNode header, JsonNode claims) {}

  static Jwt verify(String jwt, PublicKey key) {
    List<String> parts = List.of(jwt.split("\\.", -1));
    assertThat(parts).hasSize(3);
    assertThat(jwt).as("base64url without padding").doesNotContain("=", "+", "/");
    try {
      Signature verifier = Signature.getInstance("SHA256withRSA");
      verifier.initVerify(key);
      verifier.update((parts.get(0) + "." + parts.get(1)).getBytes(StandardCharsets.US_ASCII));
      assertThat(verifier.verify(Base64.getUrlDecoder().decode(parts.get(2))))
          .as("RS256 signature verifies with the public key")
          .isTrue();
      return new Jwt(
          JSON.readTree(Base64.getUrlDecoder().decode(parts.get(0))),
          JSON.readTree(Base64.getUrlDecoder().decode(parts.get(1))));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static KeyPair generate(String algorithm, int bits) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
      generator.initialize(bits);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
