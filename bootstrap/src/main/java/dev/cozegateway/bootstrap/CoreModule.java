package dev.cozegateway.bootstrap;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.cozegateway.adapters.vault.SecretReferences;
import dev.cozegateway.application.AuthUseCases;
import dev.cozegateway.bootstrap.config.AppSettings;
import dev.cozegateway.bootstrap.config.ConfigException;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.port.SecretVault;
import io.opentelemetry.api.OpenTelemetry;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The core: clock, randomness, telemetry, the configured apps, and the use cases. */
final class CoreModule extends AbstractModule {
  private final List<AppSettings> apps;
  private final Map<String, String> env;
  private final InstantSource clock;
  private final OpenTelemetry openTelemetry;

  CoreModule(
      List<AppSettings> apps, Map<String, String> env, InstantSource clock, OpenTelemetry otel) {
    this.apps = List.copyOf(apps);
    this.env = Map.copyOf(env);
    this.clock = clock;
    this.openTelemetry = otel;
  }

  @Override
  protected void configure() {
    bind(InstantSource.class).toInstance(clock);
    bind(OpenTelemetry.class).toInstance(openTelemetry);
  }

  @Provides
  @Singleton
  SecureRandom secureRandom() {
    return new SecureRandom();
  }

  /** Resolves every app's client secret now, so a bad reference fails start-up with its key. */
  @Provides
  @Singleton
  AppDirectory appDirectory(SecretVault vault) {
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
      resolved.add(
          new App(
              new AppId(s.id()),
              s.type(),
              s.region(),
              s.clientId(),
              secret,
              s.clientSecretRef().startsWith("enc:") ? "enc:…" : s.clientSecretRef(),
              s.redirectUri(),
              Set.copyOf(s.allowedReturnUris())));
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new AppDirectory(resolved);
  }

  @Provides
  @Singleton
  AuthUseCases authUseCases(
      AppDirectory apps,
      ConnectionStore connections,
      AuthorizationStore authorizations,
      SecretVault vault,
      CozeOAuth coze,
      InstantSource clock,
      SecureRandom random) {
    return new AuthUseCases(apps, connections, authorizations, vault, coze, clock, random);
  }
}
