package dev.cozegateway.domain.port;

import dev.cozegateway.domain.SealedSecret;

/**
 * Authenticated encryption of secrets at rest.
 *
 * <p>Every sealed value is bound to a {@code context} (associated data) such as the connection's
 * name, so that a ciphertext copied to another record fails to open. Implementations are
 * thread-safe and hold their keys in memory only.
 */
public interface SecretVault {

  /** Encrypts {@code plaintext} under the current primary key, bound to {@code context}. */
  SealedSecret seal(byte[] plaintext, String context);

  /**
   * Decrypts a value sealed by any key the vault still holds.
   *
   * @throws dev.cozegateway.domain.GatewayException.Internal with reason {@code DATA_CORRUPT} if
   *     the value was tampered with, sealed for another context, or by an unknown key
   */
  byte[] open(SealedSecret sealed, String context);

  /**
   * Whether a value is sealed under the current primary key, so that key rotation knows what is
   * left to re-seal. Opens nothing.
   */
  boolean isSealedWithPrimaryKey(SealedSecret sealed);
}
