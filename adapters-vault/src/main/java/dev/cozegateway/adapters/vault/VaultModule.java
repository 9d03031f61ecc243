package dev.cozegateway.adapters.vault;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import dev.cozegateway.domain.port.SecretVault;
import jakarta.inject.Singleton;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * Binds {@link SecretVault} to AES-256-GCM under the given key ring. Does no I/O: the key ring is
 * parsed and validated before the module is made.
 */
public final class VaultModule extends AbstractModule {
  private final KeyRing keyRing;

  public VaultModule(KeyRing keyRing) {
    this.keyRing = Objects.requireNonNull(keyRing, "keyRing");
  }

  @Provides
  @Singleton
  SecretVault secretVault() {
    return new AesGcmSecretVault(keyRing, new SecureRandom());
  }
}
