package dev.cozegateway.adapters.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.ServiceToken;
import dev.cozegateway.domain.contract.ServiceTokenStoreContract;
import dev.cozegateway.domain.port.ServiceTokenStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/** The service token contract on a three-master Redis Cluster, then what is particular to one. */
class RedisClusterServiceTokenStoreTest extends ServiceTokenStoreContract {
  private static final int SESSIONS = 24;

  @RegisterExtension static final RedisClusterExtension cluster = new RedisClusterExtension();

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Override
  protected ServiceTokenStore store() {
    return new RedisServiceTokenStore(stores.open(cluster.config()));
  }

  /** Each token is one key without a hash tag, so the tokens spread over the masters. */
  @Test
  void tokensSpreadOverTheMasters() {
    RedisStoreConfig config = cluster.config();
    RedisServiceTokenStore tokens = new RedisServiceTokenStore(stores.open(config));
    List<ServiceToken> stored = new ArrayList<>();
    Set<Integer> servedBy = new HashSet<>();
    for (int s = 0; s < SESSIONS; s++) {
      ServiceToken token = token(key("jwt-app", "session-" + s, ""), EXPIRES, "token " + s);
      tokens.putIfFresher(token);
      stored.add(token);
      try (Jedis node = cluster.rawFor(config.keyPrefix() + "svc-token:" + token.key().id())) {
        servedBy.add(node.getConnection().getHostAndPort().getPort());
        assertThat(node.exists(config.keyPrefix() + "svc-token:" + token.key().id())).isTrue();
      }
    }

    assertThat(servedBy).as("the masters that hold a token").hasSize(3);
    for (ServiceToken token : stored) {
      assertThat(tokens.find(token.key())).contains(token);
    }
  }
}
