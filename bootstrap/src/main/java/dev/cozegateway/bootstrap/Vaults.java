package dev.cozegateway.bootstrap;

import com.google.inject.Guice;
import com.google.inject.Stage;
import dev.cozegateway.adapters.vault.KeyRing;
import dev.cozegateway.adapters.vault.VaultModule;
import dev.cozegateway.domain.port.SecretVault;

/** The vault for a key ring, built through its module like every other adapter. */
final class Vaults {
  private Vaults() {}

  static SecretVault create(KeyRing keyRing) {
    return Guice.createInjector(Stage.PRODUCTION, new StrictModule(), new VaultModule(keyRing))
        .getInstance(SecretVault.class);
  }
}
