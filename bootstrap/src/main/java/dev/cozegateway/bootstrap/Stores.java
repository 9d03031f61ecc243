package dev.cozegateway.bootstrap;

import com.google.inject.Module;
import dev.cozegateway.adapters.embedded.EmbeddedStore;
import dev.cozegateway.adapters.embedded.EmbeddedStoreConfig;
import dev.cozegateway.adapters.embedded.EmbeddedStoreModule;
import dev.cozegateway.adapters.redis.RedisStore;
import dev.cozegateway.adapters.redis.RedisStoreConfig;
import dev.cozegateway.adapters.redis.RedisStoreModule;
import dev.cozegateway.adapters.vault.SecretReferences;
import dev.cozegateway.bootstrap.config.ConfigException;
import dev.cozegateway.bootstrap.config.GatewayConfig;
import dev.cozegateway.bootstrap.config.RedisSettings;
import dev.cozegateway.bootstrap.config.StoreType;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.SecretVault;
import java.util.List;
import java.util.Map;

/** The configured store: its Guice module, and the closeable that owns it. */
final class Stores {
  private Stores() {}

  /** The class the lifecycle closes at shutdown. */
  static Class<? extends AutoCloseable> owner(GatewayConfig config) {
    return config.storeType() == StoreType.REDIS ? RedisStore.class : EmbeddedStore.class;
  }

  static Module module(GatewayConfig config, Map<String, String> env, SecretVault vault) {
    return switch (config.storeType()) {
      case EMBEDDED -> new EmbeddedStoreModule(new EmbeddedStoreConfig(config.dataDir()));
      case REDIS -> new RedisStoreModule(redisConfig(config.redis(), env, vault));
    };
  }

  /** The Redis settings with the password resolved; problems name their keys. */
  static RedisStoreConfig redisConfig(
      RedisSettings settings, Map<String, String> env, SecretVault vault) {
    try {
      RedisStoreConfig redis =
          switch (settings.mode()) {
            case "sentinel" ->
                RedisStoreConfig.sentinel(
                    settings.sentinelMasterName(), nodes(settings.sentinelNodes()));
            case "cluster" -> RedisStoreConfig.cluster(nodes(settings.clusterNodes()));
            default -> RedisStoreConfig.standalone(settings.host(), settings.port());
          };
      redis =
          redis
              .withTls(settings.tls())
              .withDatabase(settings.database())
              .withKeyPrefix(settings.keyPrefix())
              .withTimeouts(settings.connectTimeout(), settings.socketTimeout())
              .withPoolSize(settings.poolSize())
              .withWaitForReplicas(settings.waitReplicas(), settings.waitTimeout());
      if (!settings.sentinelPasswordRef().isEmpty() || !settings.sentinelUser().isEmpty()) {
        redis =
            redis.withSentinelAuth(
                settings.sentinelUser().isEmpty() ? null : settings.sentinelUser(),
                settings.sentinelPasswordRef().isEmpty()
                    ? null
                    : resolve(
                        "store.redis.sentinel.password",
                        settings.sentinelPasswordRef(),
                        env,
                        vault));
      }
      if (!settings.passwordRef().isEmpty()) {
        Secret password = resolve("store.redis.password", settings.passwordRef(), env, vault);
        redis =
            settings.user().isEmpty()
                ? redis.withPassword(password)
                : redis.withUser(settings.user(), password);
      }
      return redis;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(List.of(e.getMessage()));
    }
  }

  private static Secret resolve(
      String key, String ref, Map<String, String> env, SecretVault vault) {
    try {
      return SecretReferences.resolve(ref, env, vault);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(List.of(key + ": " + e.getMessage()));
    }
  }

  private static List<RedisStoreConfig.Node> nodes(List<String> hostPorts) {
    List<RedisStoreConfig.Node> nodes = new java.util.ArrayList<>();
    for (String hostPort : hostPorts) {
      nodes.add(RedisStoreConfig.Node.parse(hostPort));
    }
    return nodes;
  }
}
