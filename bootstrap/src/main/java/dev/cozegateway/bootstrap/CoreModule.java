package dev.cozegateway.bootstrap;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.cozegateway.application.AuthUseCases;
import dev.cozegateway.application.DeviceUseCases;
import dev.cozegateway.application.ServiceTokenUseCases;
import dev.cozegateway.application.WorkflowSettings;
import dev.cozegateway.application.WorkflowUseCases;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.CozeDeviceFlow;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.port.CozeServiceTokens;
import dev.cozegateway.domain.port.CozeWorkflows;
import dev.cozegateway.domain.port.RefreshLeases;
import dev.cozegateway.domain.port.SecretVault;
import dev.cozegateway.domain.port.ServiceTokenStore;
import dev.cozegateway.domain.port.WorkflowRunStore;
import io.opentelemetry.api.OpenTelemetry;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;

/**
 * The core: what was built before the injector (apps, vault, clock, telemetry), and the use cases.
 */
final class CoreModule extends AbstractModule {
  private final AppDirectory apps;
  private final SecretVault vault;
  private final InstantSource clock;
  private final OpenTelemetry openTelemetry;
  private final Duration leaseTtl;
  private final Duration persistTimeout;
  private final WorkflowSettings workflowSettings;

  /**
   * @param leaseTtl how long a refresh lease lives unless renewed ({@code refresh.lease-ttl})
   * @param persistTimeout how long a granted refresh keeps trying to store its tokens ({@code
   *     refresh.persist-timeout})
   * @param workflowSettings the {@code workflows.*} settings
   */
  CoreModule(
      AppDirectory apps,
      SecretVault vault,
      InstantSource clock,
      OpenTelemetry otel,
      Duration leaseTtl,
      Duration persistTimeout,
      WorkflowSettings workflowSettings) {
    this.apps = apps;
    this.vault = vault;
    this.clock = clock;
    this.openTelemetry = otel;
    this.leaseTtl = leaseTtl;
    this.persistTimeout = persistTimeout;
    this.workflowSettings = workflowSettings;
  }

  @Override
  protected void configure() {
    bind(AppDirectory.class).toInstance(apps);
    bind(SecretVault.class).toInstance(vault);
    bind(InstantSource.class).toInstance(clock);
    bind(OpenTelemetry.class).toInstance(openTelemetry);
  }

  @Provides
  @Singleton
  SecureRandom secureRandom() {
    return new SecureRandom();
  }

  @Provides
  @Singleton
  AuthUseCases authUseCases(
      AppDirectory apps,
      ConnectionStore connections,
      AuthorizationStore authorizations,
      SecretVault vault,
      CozeOAuth coze,
      RefreshLeases leases,
      InstantSource clock,
      SecureRandom random) {
    return new AuthUseCases(
        apps,
        connections,
        authorizations,
        vault,
        coze,
        leases,
        leaseTtl,
        persistTimeout,
        clock,
        random);
  }

  @Provides
  @Singleton
  WorkflowUseCases workflowUseCases(
      AuthUseCases auth,
      ServiceTokenUseCases serviceTokens,
      AppDirectory apps,
      ConnectionStore connections,
      WorkflowRunStore runs,
      CozeWorkflows coze,
      InstantSource clock,
      SecureRandom random) {
    return new WorkflowUseCases(
        auth, serviceTokens, apps, connections, runs, coze, clock, random, workflowSettings);
  }

  @Provides
  @Singleton
  DeviceUseCases deviceUseCases(
      AuthUseCases auth,
      AppDirectory apps,
      AuthorizationStore authorizations,
      ConnectionStore connections,
      SecretVault vault,
      CozeDeviceFlow coze,
      InstantSource clock,
      SecureRandom random) {
    return new DeviceUseCases(auth, apps, authorizations, connections, vault, coze, clock, random);
  }

  @Provides
  @Singleton
  ServiceTokenUseCases serviceTokenUseCases(
      AppDirectory apps,
      ServiceTokenStore store,
      RefreshLeases leases,
      SecretVault vault,
      CozeServiceTokens coze,
      InstantSource clock) {
    return new ServiceTokenUseCases(apps, store, leases, vault, coze, clock, leaseTtl);
  }
}
