package dev.cozegateway.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.SealedSecret;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every failure and every printout of this module, checked for key bytes and plaintext. */
class NoKeyMaterialInMessagesTest {
  private static final String PLAINTEXT = "cs_live_do_not_print_me";

  @Test
  void noMessageOrToStringContainsAKeyOrThePlaintext() {
    String k1 = TestKeys.base64(1);
    String k2 = TestKeys.base64(2);
    String shortKey = Base64.getEncoder().encodeToString(TestKeys.key(3)).substring(0, 24);
    List<String> printed = new ArrayList<>();

    KeyRing ring = KeyRing.parse("k1:" + k1 + ",k2:" + k2, "k2");
    printed.add(ring.toString());
    printed.add(String.valueOf(ring.keyIds()));

    // Key ring errors, fed the keys in every wrong way.
    printed.add(failure(() -> KeyRing.parse(k1, null)));
    printed.add(failure(() -> KeyRing.parse(k1 + "," + k2, null)));
    printed.add(failure(() -> KeyRing.parse("k1 " + k1, null)));
    printed.add(failure(() -> KeyRing.parse(k1 + ":" + k2, null)));
    printed.add(failure(() -> KeyRing.parse("k1:" + k1 + "!", null)));
    printed.add(failure(() -> KeyRing.parse("k1:" + shortKey, null)));
    printed.add(failure(() -> KeyRing.parse("k1:" + k1 + ",k1:" + k2, "k1")));
    printed.add(failure(() -> KeyRing.parse("k1:" + k1 + ",k2:" + k2, null)));
    printed.add(failure(() -> KeyRing.parse("k1:" + k1, k2)));
    printed.add(failure(() -> KeyRing.parse("k1:" + k1, "k3")));
    printed.add(failure(() -> KeyRing.generateKeyLine(k1)));

    // Vault errors.
    AesGcmSecretVault vault = new AesGcmSecretVault(ring, new SecureRandom());
    SealedSecret sealed = vault.seal(PLAINTEXT.getBytes(StandardCharsets.UTF_8), "ctx");
    byte[] tampered = sealed.bytes();
    tampered[tampered.length - 1] ^= 1;
    AesGcmSecretVault otherRing =
        new AesGcmSecretVault(KeyRing.parse("k9:" + TestKeys.base64(9), null), new SecureRandom());
    printed.add(failure(() -> vault.open(sealed, "other")));
    printed.add(failure(() -> vault.open(SealedSecret.of(tampered), "ctx")));
    printed.add(failure(() -> otherRing.open(sealed, "ctx")));
    printed.add(sealed.toString());

    // Secret reference errors.
    String ref = SecretReferences.seal(vault, PLAINTEXT);
    printed.add(failure(() -> SecretReferences.resolve(ref, Map.of(), otherRing)));
    printed.add(failure(() -> SecretReferences.resolve(PLAINTEXT, Map.of(), vault)));
    printed.add(SecretReferences.resolve(ref, Map.of(), vault).toString());

    assertThat(printed).hasSize(20).allSatisfy(text -> assertThat(text).isNotBlank());
    for (String text : printed) {
      assertThat(text)
          .doesNotContain(k1)
          .doesNotContain(k2)
          .doesNotContain(shortKey)
          .doesNotContain(k1.substring(0, 12))
          .doesNotContain(k2.substring(0, 12))
          .doesNotContain(PLAINTEXT);
    }
  }

  /** The message of the failure and of its causes, and its toString. */
  private static String failure(Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      StringBuilder text = new StringBuilder(e.toString());
      for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
        text.append(" | ").append(cause);
      }
      return text.toString();
    }
    throw new AssertionError("expected a failure");
  }
}
