package dev.cozegateway.domain;

import java.util.Arrays;
import java.util.Base64;

/**
 * Bytes sealed by the {@link dev.cozegateway.domain.port.SecretVault}: ciphertext plus whatever the
 * vault needs to open it (key id, nonce, tag). Opaque to everything but the vault.
 */
public final class SealedSecret {
  private final byte[] bytes;

  private SealedSecret(byte[] bytes) {
    this.bytes = bytes.clone();
  }

  public static SealedSecret of(byte[] bytes) {
    return new SealedSecret(bytes);
  }

  public static SealedSecret fromBase64(String text) {
    return new SealedSecret(Base64.getDecoder().decode(text));
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  public String toBase64() {
    return Base64.getEncoder().encodeToString(bytes);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SealedSecret s && Arrays.equals(bytes, s.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "SealedSecret[" + bytes.length + " bytes]";
  }
}
