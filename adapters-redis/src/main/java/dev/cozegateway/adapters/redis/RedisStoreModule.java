package dev.cozegateway.adapters.redis;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.RefreshLeases;
import dev.cozegateway.domain.port.ServiceTokenStore;
import dev.cozegateway.domain.port.WorkflowRunStore;
import jakarta.inject.Singleton;
import java.util.Objects;

/**
 * Binds {@link ConnectionStore}, {@link AuthorizationStore}, {@link WorkflowRunStore}, {@link
 * ServiceTokenStore} and {@link RefreshLeases} to Redis, all five over one {@link RedisStore}. The
 * leases are shared by every replica on the same Redis and key prefix, and renewed in the
 * background while held (see {@link RedisRefreshLeases}).
 *
 * <p>Does no I/O while the injector is built: the client is created when {@link RedisStore} is
 * first provided. {@link RedisStore} is bound too, so that the application's lifecycle can close it
 * at shutdown, which also stops the lease renewals, and readiness checks can call {@link
 * RedisStore#isReachable()}.
 */
public final class RedisStoreModule extends AbstractModule {
  private final RedisStoreConfig config;

  public RedisStoreModule(RedisStoreConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Provides
  @Singleton
  RedisStore redisStore() {
    return RedisStore.open(config);
  }

  @Provides
  @Singleton
  ConnectionStore connectionStore(RedisStore store) {
    return new RedisConnectionStore(store);
  }

  @Provides
  @Singleton
  AuthorizationStore authorizationStore(RedisStore store) {
    return new RedisAuthorizationStore(store);
  }

  @Provides
  @Singleton
  WorkflowRunStore workflowRunStore(RedisStore store) {
    return new RedisWorkflowRunStore(store);
  }

  @Provides
  @Singleton
  ServiceTokenStore serviceTokenStore(RedisStore store) {
    return new RedisServiceTokenStore(store);
  }

  @Provides
  @Singleton
  RefreshLeases refreshLeases(RedisStore store) {
    return new RedisRefreshLeases(store);
  }
}
