package dev.cozegateway.adapters.redis;

import static org.awaitility.Awaitility.await;

import dev.cozegateway.domain.contract.RefreshLeasesContract;
import dev.cozegateway.domain.port.RefreshLeases;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lease contract on a three-master Redis Cluster, with two replicas (two stores). */
class RedisClusterRefreshLeasesTest extends RefreshLeasesContract {
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  @RegisterExtension static final RedisClusterExtension cluster = new RedisClusterExtension();

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  // A renewal scheduler the test owns: shutting it down stops a holder's renewals as a crash would.
  private final ScheduledThreadPoolExecutor renewals = RedisStore.newRenewalScheduler();
  private RedisStoreConfig contractConfig;

  @AfterEach
  void stopRenewals() {
    renewals.shutdownNow();
  }

  @Override
  protected RefreshLeases leases() {
    contractConfig = cluster.config();
    return new RedisRefreshLeases(stores.open(contractConfig), renewals);
  }

  @Override
  protected RefreshLeases anotherReplica() {
    return new RedisRefreshLeases(stores.open(contractConfig));
  }

  /** The first replica dies: its renewals stop, it releases nothing, and Redis drops its leases. */
  @Override
  protected void letLeasesExpire(Duration ttl) {
    renewals.shutdownNow();
    await()
        .atMost(ttl.plus(PATIENCE))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> cluster.keys(contractConfig.keyPrefix() + "*:lease:*").isEmpty());
  }
}
