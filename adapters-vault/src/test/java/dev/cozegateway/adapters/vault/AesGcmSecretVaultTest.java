package dev.cozegateway.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.contract.SecretVaultContract;
import dev.cozegateway.domain.port.SecretVault;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class AesGcmSecretVaultTest extends SecretVaultContract {
  private static final String CONTEXT = "connection-tokens:tenants/acme/connections/c1";
  private static final byte[] PLAINTEXT = "czu_access_abc".getBytes(StandardCharsets.UTF_8);

  @Override
  protected SecretVault vault() {
    return vault(TestKeys.entry("k1", 1), "k1");
  }

  private static AesGcmSecretVault vault(String spec, String primary) {
    return new AesGcmSecretVault(KeyRing.parse(spec, primary), new SecureRandom());
  }

  @Test
  void writesTheDocumentedLayout() {
    byte[] sealed =
        vault(TestKeys.entry("key-2025", 1), "key-2025").seal(PLAINTEXT, CONTEXT).bytes();

    assertThat(sealed[0]).isEqualTo((byte) 1);
    assertThat(sealed[1]).isEqualTo((byte) "key-2025".length());
    assertThat(new String(sealed, 2, 8, StandardCharsets.UTF_8)).isEqualTo("key-2025");
    assertThat(sealed).hasSize(2 + 8 + 12 + PLAINTEXT.length + 16);
  }

  @Test
  void isStandardAesGcmWithTheHeaderAndContextAsAssociatedData() throws Exception {
    byte[] sealed = vault(TestKeys.entry("k1", 1), "k1").seal(PLAINTEXT, CONTEXT).bytes();
    int headerLength = 2 + 2;

    // Opened with the JDK's own AES-GCM: proves the layout and parameters, not just a round trip.
    Cipher jdk = Cipher.getInstance("AES/GCM/NoPadding");
    jdk.init(
        Cipher.DECRYPT_MODE,
        new SecretKeySpec(TestKeys.key(1), "AES"),
        new GCMParameterSpec(128, sealed, headerLength, 12));
    jdk.updateAAD(sealed, 0, headerLength);
    jdk.updateAAD(CONTEXT.getBytes(StandardCharsets.UTF_8));
    byte[] opened = jdk.doFinal(sealed, headerLength + 12, sealed.length - headerLength - 12);

    assertThat(opened).isEqualTo(PLAINTEXT);
  }

  @Test
  void sealsWithThePrimaryKeyAndOpensWithAnyKeyInTheRing() {
    AesGcmSecretVault beforeRotation = vault(TestKeys.entry("a", 1), "a");
    SealedSecret underA = beforeRotation.seal(PLAINTEXT, CONTEXT);

    AesGcmSecretVault afterRotation =
        vault(TestKeys.entry("a", 1) + "," + TestKeys.entry("b", 2), "b");
    SealedSecret underB = afterRotation.seal(PLAINTEXT, CONTEXT);

    assertThat(afterRotation.open(underA, CONTEXT)).isEqualTo(PLAINTEXT);
    assertThat(afterRotation.open(underB, CONTEXT)).isEqualTo(PLAINTEXT);
    assertThat(keyIdOf(underA)).isEqualTo("a");
    assertThat(keyIdOf(underB)).isEqualTo("b");
  }

  @Test
  void refusesAValueSealedUnderAKeyThatLeftTheRing() {
    SealedSecret underA = vault(TestKeys.entry("a", 1), "a").seal(PLAINTEXT, CONTEXT);
    AesGcmSecretVault withoutA = vault(TestKeys.entry("b", 2), "b");

    GatewayException.Internal failure = assertDataCorrupt(() -> withoutA.open(underA, CONTEXT));

    assertThat(failure.getMessage()).contains("'a'").contains("not in the key ring");
  }

  @Test
  void refusesAValueWhoseKeyIdWasReusedForAnotherKey() {
    SealedSecret underA = vault(TestKeys.entry("a", 1), "a").seal(PLAINTEXT, CONTEXT);
    AesGcmSecretVault otherA = vault(TestKeys.entry("a", 9), "a");

    assertDataCorrupt(() -> otherA.open(underA, CONTEXT));
  }

  @Test
  void theHeaderIsBoundToTheCiphertext() {
    // Two ids for the same key bytes: only the authenticated header tells them apart.
    AesGcmSecretVault vault = vault(TestKeys.entry("k1", 1) + "," + TestKeys.entry("k2", 1), "k1");
    byte[] sealed = vault.seal(PLAINTEXT, CONTEXT).bytes();
    byte[] relabelled = sealed.clone();
    relabelled[3] = '2';

    assertThat(keyIdOf(SealedSecret.of(relabelled))).isEqualTo("k2");
    assertDataCorrupt(() -> vault.open(SealedSecret.of(relabelled), CONTEXT));
    assertThat(vault.open(SealedSecret.of(sealed), CONTEXT)).isEqualTo(PLAINTEXT);
  }

  @Test
  void refusesAnUnknownFormatVersion() {
    AesGcmSecretVault vault = vault(TestKeys.entry("k1", 1), "k1");
    byte[] sealed = vault.seal(PLAINTEXT, CONTEXT).bytes();
    sealed[0] = 2;

    GatewayException.Internal failure =
        assertDataCorrupt(() -> vault.open(SealedSecret.of(sealed), CONTEXT));

    assertThat(failure.getMessage()).contains("format version 2");
  }

  @Test
  void usesAFreshNonceForEverySeal() {
    AesGcmSecretVault vault = vault(TestKeys.entry("k1", 1), "k1");

    byte[] first = vault.seal(PLAINTEXT, CONTEXT).bytes();
    byte[] second = vault.seal(PLAINTEXT, CONTEXT).bytes();

    assertThat(Arrays.copyOfRange(first, 4, 16)).isNotEqualTo(Arrays.copyOfRange(second, 4, 16));
  }

  private static String keyIdOf(SealedSecret sealed) {
    byte[] bytes = sealed.bytes();
    return new String(bytes, 2, bytes[1], StandardCharsets.UTF_8);
  }
}
