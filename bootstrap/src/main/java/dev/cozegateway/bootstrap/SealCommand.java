package dev.cozegateway.bootstrap;

import dev.cozegateway.adapters.vault.SecretReferences;
import dev.cozegateway.bootstrap.config.ConfigSource;
import dev.cozegateway.bootstrap.config.GatewayConfig;
import dev.cozegateway.domain.port.SecretVault;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code seal}: encrypts a client secret read from standard input into an {@code enc:} value. */
@Command(
    name = "seal",
    mixinStandardHelpOptions = true,
    description = {
      "Read a client secret from standard input and print it sealed (enc:…) with the primary"
          + " vault key, for an app's client-secret setting.",
      "The key ring comes from the same settings as 'serve' (vault.keys, vault.key-file)."
    })
final class SealCommand implements Callable<Integer> {
  @Option(names = "--config", description = "YAML configuration file with the vault settings")
  Path config;

  @Override
  public Integer call() throws Exception {
    GatewayConfig gatewayConfig = GatewayConfig.from(ConfigSource.load(config, System.getenv()));
    SecretVault vault = Vaults.create(KeyRings.configured(gatewayConfig));
    String secret =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    if (secret == null || secret.isBlank()) {
      System.err.println("seal: no secret on standard input");
      return 1;
    }
    System.out.println(SecretReferences.seal(vault, secret.strip()));
    return 0;
  }
}
