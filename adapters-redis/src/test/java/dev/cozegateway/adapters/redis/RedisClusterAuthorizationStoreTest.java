package dev.cozegateway.adapters.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.contract.AuthorizationStoreContract;
import dev.cozegateway.domain.port.AuthorizationStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The authorization contract on a three-master Redis Cluster, then a cross-slot case. */
class RedisClusterAuthorizationStoreTest extends AuthorizationStoreContract {
  @RegisterExtension static final RedisClusterExtension cluster = new RedisClusterExtension();

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Override
  protected AuthorizationStore store() {
    return new RedisAuthorizationStore(stores.open(cluster.config()));
  }

  @Test
  void theStateEntryAndTheRecordMayLiveOnDifferentMasters() {
    // The state entry has a slot of its own; with a few states, some land on another master than
    // the tenant's records, and each step still runs where its keys are.
    RedisAuthorizationStore authorizations =
        new RedisAuthorizationStore(stores.open(cluster.config()));
    for (int i = 0; i < 12; i++) {
      Authorization pending = authorization("acme", "a" + i, "state-" + i, "req-" + i);
      assertThat(authorizations.create(pending)).isEmpty();

      assertThat(authorizations.consumeState(stateHash("state-" + i))).contains(pending);
      Authorization completed = pending.finished(AuthorizationState.COMPLETED, null);
      authorizations.update(completed);
      assertThat(authorizations.findByRequestId(tenant("acme"), "req-" + i)).contains(completed);
    }
  }
}
