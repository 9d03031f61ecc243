package dev.cozegateway.bootstrap;

import dev.cozegateway.adapters.cozehttp.JwtKeys;
import dev.cozegateway.adapters.vault.SecretReferences;
import dev.cozegateway.bootstrap.config.AppSettings;
import dev.cozegateway.bootstrap.config.ConfigException;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.SecretVault;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The configured apps with their client secrets resolved, before anything else is opened. */
final class ConfiguredApps {
  private ConfiguredApps() {}

  /** Resolves every app's secret reference; a bad one fails start-up naming its key. */
  static AppDirectory resolve(List<AppSettings> apps, Map<String, String> env, SecretVault vault) {
    List<String> problems = new ArrayList<>();
    List<App> resolved = new ArrayList<>();
    for (AppSettings s : apps) {
      Secret secret = null;
      if (!s.clientSecretRef().isEmpty()) {
        try {
          secret = SecretReferences.resolve(s.clientSecretRef(), env, vault);
        } catch (RuntimeException e) {
          problems.add(s.key() + ".client-secret: " + e.getMessage());
          continue;
        }
      }
      Secret privateKey = null;
      if (!s.privateKeyRef().isEmpty()) {
        try {
          privateKey = SecretReferences.resolve(s.privateKeyRef(), env, vault);
          // A bad key fails start-up, naming the setting, not the first token request.
          JwtKeys.check(privateKey, s.key() + ".private-key");
        } catch (RuntimeException e) {
          problems.add(
              e.getMessage().startsWith(s.key() + ".private-key")
                  ? e.getMessage()
                  : s.key() + ".private-key: " + e.getMessage());
          continue;
        }
      }
      resolved.add(
          new App(
              new AppId(s.id()),
              s.type(),
              s.region(),
              s.clientId(),
              secret,
              s.clientSecretRef().startsWith("enc:") ? "enc:…" : s.clientSecretRef(),
              s.redirectUri(),
              Set.copyOf(s.allowedReturnUris()),
              privateKey,
              s.keyId(),
              s.tokenLifetime(),
              s.accountId(),
              s.enterpriseId()));
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new AppDirectory(resolved);
  }
}
