package dev.cozegateway.application;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Random values and digests for OAuth: states, PKCE verifiers, resource ids. */
final class Codes {
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private final SecureRandom random;

  Codes(SecureRandom random) {
    this.random = random;
  }

  /** 256 random bits, base64url: 43 characters, valid as an OAuth state or a PKCE verifier. */
  String secretToken() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return BASE64URL.encodeToString(bytes);
  }

  /** A random resource id that satisfies the resource-id rule: a letter, then 32 hex digits. */
  String resourceId() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    return "a" + HexFormat.of().formatHex(bytes);
  }

  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The S256 PKCE challenge: unpadded base64url of SHA-256 over the ASCII verifier. */
  static String s256Challenge(String verifier) {
    return BASE64URL.encodeToString(sha256(verifier));
  }
}
