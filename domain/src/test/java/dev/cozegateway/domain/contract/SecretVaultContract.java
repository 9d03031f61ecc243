package dev.cozegateway.domain.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.port.SecretVault;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SecretVault} guarantees. Extend it once per implementation and return a fresh
 * vault from {@link #vault()}.
 */
public abstract class SecretVaultContract {
  private static final String CONTEXT = "connection-tokens:tenants/acme/connections/c1";
  private static final byte[] PLAINTEXT =
      "czu_refresh_token_0123456789abcdefghijklmnop".getBytes(StandardCharsets.UTF_8);

  private SecretVault secrets;

  /** A vault for one test. Called once before each test. */
  protected abstract SecretVault vault();

  @BeforeEach
  final void createVault() {
    secrets = vault();
  }

  @Test
  void opensWhatItSealed() {
    SealedSecret sealed = secrets.seal(PLAINTEXT, CONTEXT);

    assertThat(secrets.open(sealed, CONTEXT)).isEqualTo(PLAINTEXT);
  }

  @Test
  void roundTripsEmptyBinaryAndLargePlaintexts() {
    byte[] binary = new byte[256];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) i;
    }
    byte[] large = new byte[64 * 1024];
    Arrays.fill(large, (byte) 'x');

    for (byte[] plaintext : List.of(new byte[0], binary, large)) {
      assertThat(secrets.open(secrets.seal(plaintext, CONTEXT), CONTEXT)).isEqualTo(plaintext);
    }
  }

  @Test
  void roundTripsThroughTheStoredForm() {
    SealedSecret sealed = secrets.seal(PLAINTEXT, CONTEXT);

    SealedSecret reloaded = SealedSecret.fromBase64(sealed.toBase64());

    assertThat(secrets.open(reloaded, CONTEXT)).isEqualTo(PLAINTEXT);
  }

  @Test
  void opensOnlyWithTheContextItWasSealedWith() {
    SealedSecret sealed = secrets.seal(PLAINTEXT, CONTEXT);

    for (String other :
        List.of(
            "connection-tokens:tenants/acme/connections/c2",
            CONTEXT + "x",
            CONTEXT.substring(0, CONTEXT.length() - 1),
            "")) {
      assertDataCorrupt(() -> secrets.open(sealed, other));
    }
  }

  @Test
  void refusesEveryTamperedByte() {
    byte[] sealed = secrets.seal(PLAINTEXT, CONTEXT).bytes();

    for (int i = 0; i < sealed.length; i++) {
      byte[] tampered = sealed.clone();
      tampered[i] ^= 0x01;
      assertDataCorrupt(() -> secrets.open(SealedSecret.of(tampered), CONTEXT));
    }
  }

  @Test
  void refusesTruncatedAndExtendedValues() {
    byte[] sealed = secrets.seal(PLAINTEXT, CONTEXT).bytes();

    assertDataCorrupt(() -> secrets.open(SealedSecret.of(new byte[0]), CONTEXT));
    assertDataCorrupt(() -> secrets.open(SealedSecret.of(Arrays.copyOf(sealed, 1)), CONTEXT));
    assertDataCorrupt(
        () -> secrets.open(SealedSecret.of(Arrays.copyOf(sealed, sealed.length - 1)), CONTEXT));
    assertDataCorrupt(
        () -> secrets.open(SealedSecret.of(Arrays.copyOf(sealed, sealed.length + 1)), CONTEXT));
  }

  @Test
  void sealedBytesDoNotContainThePlaintext() {
    byte[] sealed = secrets.seal(PLAINTEXT, CONTEXT).bytes();

    assertThat(indexOf(sealed, PLAINTEXT)).isEqualTo(-1);
    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("czu_refresh");
  }

  @Test
  void failuresDoNotRevealThePlaintext() {
    SealedSecret sealed = secrets.seal(PLAINTEXT, CONTEXT);

    GatewayException.Internal failure =
        assertDataCorrupt(() -> secrets.open(sealed, "another context"));

    String plaintext = new String(PLAINTEXT, StandardCharsets.UTF_8);
    assertThat(String.valueOf(failure.getMessage())).doesNotContain(plaintext);
    assertThat(failure.toString()).doesNotContain(plaintext);
  }

  @Test
  void isSafeToShareBetweenThreads() throws Exception {
    int threads = 8;
    int rounds = 200;

    List<Integer> roundTrips =
        Race.run(
            threads,
            t ->
                () -> {
                  int ok = 0;
                  for (int r = 0; r < rounds; r++) {
                    byte[] plaintext = ("secret " + t + "/" + r).getBytes(StandardCharsets.UTF_8);
                    String context = "context-" + t + "-" + r;
                    if (Arrays.equals(
                        secrets.open(secrets.seal(plaintext, context), context), plaintext)) {
                      ok++;
                    }
                  }
                  return ok;
                });

    assertThat(roundTrips).containsOnly(rounds).hasSize(threads);
  }

  /**
   * Asserts that {@code open} fails with {@code Internal(DATA_CORRUPT)} and returns the failure.
   */
  protected static GatewayException.Internal assertDataCorrupt(Runnable open) {
    GatewayException.Internal failure =
        catchThrowableOfType(GatewayException.Internal.class, open::run);
    assertThat(failure).as("expected Internal(DATA_CORRUPT)").isNotNull();
    assertThat(failure.reason()).isEqualTo(Reason.DATA_CORRUPT);
    return failure;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Test
  void whatItSealsNowIsSealedWithThePrimaryKey() {
    assertThat(secrets.isSealedWithPrimaryKey(secrets.seal(PLAINTEXT, CONTEXT))).isTrue();
  }
}
