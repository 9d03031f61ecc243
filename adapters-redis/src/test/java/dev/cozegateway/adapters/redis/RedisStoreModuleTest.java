package dev.cozegateway.adapters.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.RefreshLeases;
import dev.cozegateway.domain.port.ServiceTokenStore;
import dev.cozegateway.domain.port.WorkflowRunStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

class RedisStoreModuleTest {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.plain();

  @Test
  void buildingTheInjectorDoesNoIo() {
    try (Jedis raw = redis.raw()) {
      long before = connectionsReceived(raw);

      Injector injector = strictInjector(Stage.DEVELOPMENT, redis.config());

      assertThat(connectionsReceived(raw))
          .as("connections opened by the injector")
          .isEqualTo(before);
      try (RedisStore store = injector.getInstance(RedisStore.class)) {
        assertThat(
                injector
                    .getInstance(ConnectionStore.class)
                    .find(RedisStoreTest.connection().name()))
            .isEmpty();
        assertThat(connectionsReceived(raw)).isGreaterThan(before);
      }
    }
  }

  @Test
  void bindsTheStoresAndTheLeasesToOneSharedRedisStore() {
    Injector injector = strictInjector(Stage.PRODUCTION, redis.config());
    try {
      ConnectionStore connections = injector.getInstance(ConnectionStore.class);
      AuthorizationStore authorizations = injector.getInstance(AuthorizationStore.class);
      RefreshLeases leases = injector.getInstance(RefreshLeases.class);
      WorkflowRunStore runs = injector.getInstance(WorkflowRunStore.class);
      ServiceTokenStore serviceTokens = injector.getInstance(ServiceTokenStore.class);

      assertThat(connections).isInstanceOf(RedisConnectionStore.class);
      assertThat(authorizations).isInstanceOf(RedisAuthorizationStore.class);
      assertThat(leases).isInstanceOf(RedisRefreshLeases.class);
      assertThat(runs).isInstanceOf(RedisWorkflowRunStore.class);
      assertThat(serviceTokens).isInstanceOf(RedisServiceTokenStore.class);
      assertThat(injector.getInstance(ConnectionStore.class)).isSameAs(connections);
      assertThat(injector.getInstance(AuthorizationStore.class)).isSameAs(authorizations);
      assertThat(injector.getInstance(RefreshLeases.class)).isSameAs(leases);
      assertThat(injector.getInstance(WorkflowRunStore.class)).isSameAs(runs);
      assertThat(injector.getInstance(ServiceTokenStore.class)).isSameAs(serviceTokens);
      assertThat(injector.getInstance(RedisStore.class).isReachable()).isTrue();
    } finally {
      injector.getInstance(RedisStore.class).close();
    }
  }

  private static Injector strictInjector(Stage stage, RedisStoreConfig config) {
    return Guice.createInjector(
        stage,
        binder -> {
          binder.requireExplicitBindings();
          binder.disableCircularProxies();
        },
        new RedisStoreModule(config));
  }

  static long connectionsReceived(Jedis raw) {
    for (String line : raw.info("stats").split("\r?\n")) {
      if (line.startsWith("total_connections_received:")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    throw new IllegalStateException("INFO stats has no total_connections_received");
  }
}
