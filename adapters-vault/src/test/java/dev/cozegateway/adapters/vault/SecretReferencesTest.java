package dev.cozegateway.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.Secret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretReferencesTest {
  private static final String CLIENT_SECRET = "cs_live_0123456789abcdef";

  private final AesGcmSecretVault vault =
      new AesGcmSecretVault(KeyRing.parse(TestKeys.entry("k1", 1), null), new SecureRandom());

  @TempDir Path dir;

  @Test
  void resolvesASealedValue() {
    String ref = SecretReferences.seal(vault, CLIENT_SECRET);

    assertThat(ref).startsWith("enc:").doesNotContain(CLIENT_SECRET);
    assertThat(SecretReferences.resolve(ref, Map.of(), vault)).isEqualTo(Secret.of(CLIENT_SECRET));
  }

  @Test
  void sealsClientSecretsWithTheirOwnContext() {
    String ref = SecretReferences.seal(vault, CLIENT_SECRET);

    byte[] opened = vault.open(SealedSecret.fromBase64(ref.substring(4)), "client-secret");

    assertThat(new String(opened, StandardCharsets.UTF_8)).isEqualTo(CLIENT_SECRET);
  }

  @Test
  void refusesASealedValueFromAnotherContext() {
    String tokens = "enc:" + vault.seal(bytes(CLIENT_SECRET), "connection-tokens:x").toBase64();

    assertThatThrownBy(() -> SecretReferences.resolve(tokens, Map.of(), vault))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enc:")
        .hasMessageContaining("key ring");
  }

  @Test
  void refusesASealedValueUnderAnUnknownKey() {
    AesGcmSecretVault other =
        new AesGcmSecretVault(KeyRing.parse(TestKeys.entry("k9", 9), null), new SecureRandom());
    String ref = SecretReferences.seal(other, CLIENT_SECRET);

    assertThatThrownBy(() -> SecretReferences.resolve(ref, Map.of(), vault))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not open");
  }

  @Test
  void refusesASealedValueThatIsNotBase64() {
    assertThatThrownBy(() -> SecretReferences.resolve("enc:***", Map.of(), vault))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("base64");
  }

  @Test
  void resolvesAnEnvironmentVariable() {
    Secret secret =
        SecretReferences.resolve("env:COZE_SECRET", Map.of("COZE_SECRET", CLIENT_SECRET), vault);

    assertThat(secret.reveal()).isEqualTo(CLIENT_SECRET);
  }

  @Test
  void refusesAMissingOrEmptyEnvironmentVariable() {
    assertThatThrownBy(() -> SecretReferences.resolve("env:COZE_SECRET", Map.of(), vault))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("COZE_SECRET")
        .hasMessageContaining("not set");
    assertThatThrownBy(
            () -> SecretReferences.resolve("env:COZE_SECRET", Map.of("COZE_SECRET", ""), vault))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("COZE_SECRET")
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> SecretReferences.resolve("env:", Map.of(), vault))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("variable name");
  }

  @Test
  void resolvesAFileWithoutItsTrailingNewline() throws Exception {
    Path unix = Files.writeString(dir.resolve("unix"), CLIENT_SECRET + "\n");
    Path windows = Files.writeString(dir.resolve("windows"), CLIENT_SECRET + "\r\n");
    Path bare = Files.writeString(dir.resolve("bare"), CLIENT_SECRET);

    for (Path file : new Path[] {unix, windows, bare}) {
      assertThat(SecretReferences.resolve("file:" + file, Map.of(), vault).reveal())
          .isEqualTo(CLIENT_SECRET);
    }
  }

  @Test
  void keepsLeadingAndInnerCharactersOfAFile() throws Exception {
    Path file = Files.writeString(dir.resolve("secret"), " a\nb \n");

    assertThat(SecretReferences.resolve("file:" + file, Map.of(), vault).reveal())
        .isEqualTo(" a\nb ");
  }

  @Test
  void refusesAMissingOrEmptyFile() throws Exception {
    Path missing = dir.resolve("missing");
    Path empty = Files.writeString(dir.resolve("empty"), "\n");

    assertThatThrownBy(() -> SecretReferences.resolve("file:" + missing, Map.of(), vault))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> SecretReferences.resolve("file:" + empty, Map.of(), vault))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(empty.toString())
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> SecretReferences.resolve("file:" + dir, Map.of(), vault))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot be read");
  }

  @Test
  void refusesAPlainSecretWithoutRepeatingIt() {
    for (String plain : new String[] {CLIENT_SECRET, "vault:" + CLIENT_SECRET, "ENV:X"}) {
      assertThatThrownBy(() -> SecretReferences.resolve(plain, Map.of(), vault))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("plain secrets are not allowed")
          .hasMessageContaining("enc:")
          .hasMessageContaining("env:")
          .hasMessageContaining("file:")
          .message()
          .doesNotContain(CLIENT_SECRET);
    }
  }

  @Test
  void refusesAMissingReference() {
    for (String none : new String[] {null, "", "  "}) {
      assertThatThrownBy(() -> SecretReferences.resolve(none, Map.of(), vault))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no secret reference");
    }
  }

  @Test
  void refusesToSealAnEmptySecret() {
    assertThatThrownBy(() -> SecretReferences.seal(vault, ""))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
