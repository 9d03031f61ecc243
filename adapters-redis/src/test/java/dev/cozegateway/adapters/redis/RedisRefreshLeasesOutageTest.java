package dev.cozegateway.adapters.redis;

import static dev.cozegateway.adapters.redis.StoreAssertions.assertStoreUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.RefreshLeases.RefreshLease;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stops this class's own Redis under a held lease and a wanted one. */
class RedisRefreshLeasesOutageTest {
  private static final ConnectionName ALICE = new ConnectionName(new TenantId("acme"), "alice");
  private static final ConnectionName BOB = new ConnectionName(new TenantId("acme"), "bob");
  // Renewed every 200 ms.
  private static final Duration TTL = Duration.ofMillis(600);
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.plain();

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  private final ScheduledThreadPoolExecutor renewals = RedisStore.newRenewalScheduler();

  @AfterEach
  void stopRenewals() {
    renewals.shutdownNow();
  }

  @Test
  void withRedisStoppedNoLeaseIsTakenAndAHeldOneIsLostAtItsDeadline() {
    RedisRefreshLeases leases = new RedisRefreshLeases(stores.open(redis.config()), renewals);
    RefreshLease held = leases.tryAcquire(ALICE, TTL).orElseThrow();

    redis.stop();

    // Fail closed: a refresh needs the store.
    assertStoreUnavailable(() -> leases.tryAcquire(BOB, TTL));
    // Renewals fail until the lease's deadline, then it is lost and no longer renewed.
    await().atMost(PATIENCE).until(() -> !held.isHeld());
    await().atMost(PATIENCE).until(() -> renewals.getQueue().isEmpty());
    held.close();
    assertThat(held.isHeld()).isFalse();
  }
}
