package dev.cozegateway.domain.contract;

import dev.cozegateway.domain.port.SecretVault;
import dev.cozegateway.domain.testing.FakeSecretVault;

/** Keeps the fake honest: it must pass the same contract as the real vault. */
class FakeSecretVaultTest extends SecretVaultContract {
  @Override
  protected SecretVault vault() {
    return new FakeSecretVault();
  }
}
