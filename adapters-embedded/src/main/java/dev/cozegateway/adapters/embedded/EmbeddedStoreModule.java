package dev.cozegateway.adapters.embedded;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.RefreshLeases;
import dev.cozegateway.domain.port.ServiceTokenStore;
import dev.cozegateway.domain.port.WorkflowRunStore;
import jakarta.inject.Singleton;
import java.time.InstantSource;
import java.util.Objects;

/**
 * Binds {@link ConnectionStore}, {@link AuthorizationStore}, {@link WorkflowRunStore} and {@link
 * ServiceTokenStore} to the embedded, file-backed store, and {@link RefreshLeases} to leases in
 * this process's memory. Needs an {@link InstantSource}.
 *
 * <p>Does no I/O while the injector is built: the store file is opened when {@link EmbeddedStore}
 * is first provided. {@link EmbeddedStore} is bound too, so that the application's lifecycle can
 * close it at shutdown.
 */
public final class EmbeddedStoreModule extends AbstractModule {
  private final EmbeddedStoreConfig config;

  public EmbeddedStoreModule(EmbeddedStoreConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Provides
  @Singleton
  EmbeddedStore embeddedStore() {
    return EmbeddedStore.open(config);
  }

  @Provides
  @Singleton
  ConnectionStore connectionStore(EmbeddedStore store) {
    return new MvStoreConnectionStore(store);
  }

  @Provides
  @Singleton
  AuthorizationStore authorizationStore(EmbeddedStore store) {
    return new MvStoreAuthorizationStore(store);
  }

  @Provides
  @Singleton
  WorkflowRunStore workflowRunStore(EmbeddedStore store) {
    return new MvStoreWorkflowRunStore(store);
  }

  @Provides
  @Singleton
  ServiceTokenStore serviceTokenStore(EmbeddedStore store, InstantSource clock) {
    return new MvStoreServiceTokenStore(store, clock);
  }

  /** One process owns the embedded store, so its refresh leases can live in memory. */
  @Provides
  @Singleton
  RefreshLeases refreshLeases(InstantSource clock) {
    return new LocalRefreshLeases(clock);
  }
}
