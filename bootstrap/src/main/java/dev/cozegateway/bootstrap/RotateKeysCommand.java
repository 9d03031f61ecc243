package dev.cozegateway.bootstrap;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import dev.cozegateway.adapters.vault.KeyRing;
import dev.cozegateway.application.RotateKeys;
import dev.cozegateway.bootstrap.config.ConfigSource;
import dev.cozegateway.bootstrap.config.GatewayConfig;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.SecretVault;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rotate-keys}: re-seals every stored token under the vault's primary key. */
@Command(
    name = "rotate-keys",
    mixinStandardHelpOptions = true,
    description = {
      "Re-seal every stored connection's tokens under the primary vault key, so that older keys can"
          + " leave the key ring. Reports how many remain on other keys (exit code 3 if any do:"
          + " run it again).",
      "Safe while gateways serve traffic on Redis; on the embedded store, stop the gateway first"
          + " (one process owns the file). Running it again resumes where it stopped."
    })
final class RotateKeysCommand implements Callable<Integer> {
  @Option(names = "--config", description = "YAML configuration file (as for serve)")
  Path config;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Map<String, String> env = System.getenv();
    GatewayConfig gatewayConfig = GatewayConfig.from(ConfigSource.load(config, env));
    KeyRing keyRing = KeyRings.configured(gatewayConfig);
    SecretVault vault = Vaults.create(keyRing);
    Injector injector =
        Guice.createInjector(
            Stage.PRODUCTION,
            new StrictModule(),
            new AbstractModule() {
              @Override
              protected void configure() {
                bind(InstantSource.class).toInstance(InstantSource.system());
              }
            },
            Stores.module(gatewayConfig, env, vault));
    try (AutoCloseable store = injector.getInstance(Stores.owner(gatewayConfig))) {
      RotateKeys.Report report =
          new RotateKeys(injector.getInstance(ConnectionStore.class), vault).execute();
      spec.commandLine()
          .getOut()
          .printf(
              "rotate-keys: primary key %s; re-sealed %d of %d connections; %d remain on other"
                  + " keys%n",
              keyRing.primaryKeyId(), report.resealed(), report.seen(), report.remaining());
      spec.commandLine().getOut().flush();
      return report.remaining() == 0 ? 0 : 3;
    }
  }
}
