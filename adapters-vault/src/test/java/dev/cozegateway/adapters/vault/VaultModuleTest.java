package dev.cozegateway.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import dev.cozegateway.domain.port.SecretVault;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class VaultModuleTest {

  @Test
  void bindsOneAesVaultUnderTheKeyRingInAStrictInjector() {
    KeyRing ring = KeyRing.parse(TestKeys.entry("k1", 1), null);
    Injector injector =
        Guice.createInjector(
            Stage.PRODUCTION,
            binder -> {
              binder.requireExplicitBindings();
              binder.disableCircularProxies();
            },
            new VaultModule(ring));

    SecretVault vault = injector.getInstance(SecretVault.class);

    assertThat(vault).isInstanceOf(AesGcmSecretVault.class);
    assertThat(injector.getInstance(SecretVault.class)).isSameAs(vault);
    byte[] plaintext = "hello".getBytes(StandardCharsets.UTF_8);
    byte[] sealed = vault.seal(plaintext, "ctx").bytes();
    assertThat(new String(sealed, 2, 2, StandardCharsets.UTF_8)).isEqualTo("k1");
    assertThat(vault.open(vault.seal(plaintext, "ctx"), "ctx")).isEqualTo(plaintext);
  }
}
