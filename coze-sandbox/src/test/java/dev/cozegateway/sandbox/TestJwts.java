package dev.cozegateway.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** Signs JWTs the way the official SDKs do (§3.7), with keys made once per test run. */
final class TestJwts {
  /** The key pair registered for {@link SandboxTestClient#JWT_ID}. */
  static final KeyPair KEYS = generate();

  /** A key pair registered nowhere. */
  static final KeyPair STRANGER = generate();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private TestJwts() {}

  /** {@code alg} RS256, {@code typ} JWT, and {@code kid}. */
  static Map<String, Object> header(String kid) {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("alg", "RS256");
    header.put("typ", "JWT");
    header.put("kid", kid);
    return header;
  }

  /** {@code iss}, {@code aud}, {@code iat} = now, {@code exp} = now + 1 h, a fresh {@code jti}. */
  static Map<String, Object> claims(String iss, String aud, Instant now) {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", iss);
    claims.put("aud", aud);
    claims.put("iat", now.getEpochSecond());
    claims.put("exp", now.getEpochSecond() + 3600);
    claims.put("jti", UUID.randomUUID().toString().replace("-", ""));
    return claims;
  }

  /** A compact RS256 JWT; null claim values are left out. */
  static String sign(PrivateKey key, Map<String, Object> header, Map<String, Object> claims) {
    String signingInput = part(header) + "." + part(claims);
    try {
      Signature rs256 = Signature.getInstance("SHA256withRSA");
      rs256.initSign(key);
      rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + BASE64URL.encodeToString(rs256.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A PKCS#8 PEM private key, as the Go and Java SDKs read it. */
  static PrivateKey pkcs8(String pem) {
    String base64 =
        pem.replace("-----BEGIN PRIVATE KEY-----", "")
            .replace("-----END PRIVATE KEY-----", "")
            .replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance("RSA")
          .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String part(Map<String, Object> fields) {
    Map<String, Object> present = new LinkedHashMap<>();
    fields.forEach(
        (name, value) -> {
          if (value != null) {
            present.put(name, value);
          }
        });
    try {
      return BASE64URL.encodeToString(JSON.writeValueAsBytes(present));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static KeyPair generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
