package dev.cozegateway.sandbox;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/** PKCE as Coze does it (§3.5): {@code plain} (the default) or {@code S256}. */
final class Pkce {
  static final String PLAIN = "plain";
  static final String S256 = "S256";

  private Pkce() {}

  /**
   * The canonical method name for a {@code code_challenge_method} value, matched without regard to
   * case because clients differ in spelling; an absent method means {@code plain}.
   */
  static Optional<String> method(String requested) {
    if (requested == null || requested.isEmpty()) {
      return Optional.of(PLAIN);
    }
    return switch (requested.toLowerCase(Locale.ROOT)) {
      case "plain" -> Optional.of(PLAIN);
      case "s256" -> Optional.of(S256);
      default -> Optional.empty();
    };
  }

  /**
   * Whether {@code verifier} answers {@code challenge}. Deliberately no length check: Go and Java
   * send 16-character verifiers, below RFC 7636's minimum, and Coze accepts them.
   */
  static boolean verifies(String challenge, String method, String verifier) {
    String expected = S256.equals(method) ? s256(verifier) : verifier;
    // Constant-time, so the fake does not model a timing oracle the real server lacks.
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.US_ASCII),
        challenge.getBytes(StandardCharsets.US_ASCII));
  }

  /** Unpadded base64url of the SHA-256 of the ASCII verifier. */
  static String s256(String verifier) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK ships SHA-256", e);
    }
  }
}
