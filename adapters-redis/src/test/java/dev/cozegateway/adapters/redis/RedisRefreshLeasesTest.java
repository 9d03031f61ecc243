package dev.cozegateway.adapters.redis;

import static dev.cozegateway.adapters.redis.StoreAssertions.assertStoreUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.contract.RefreshLeasesContract;
import dev.cozegateway.domain.port.RefreshLeases;
import dev.cozegateway.domain.port.RefreshLeases.RefreshLease;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientPauseMode;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The lease contract on Redis, with two replicas (two stores, two clients) on one server and key
 * prefix; then renewal, take-over and the key layout.
 */
class RedisRefreshLeasesTest extends RefreshLeasesContract {
  private static final ConnectionName ALICE = new ConnectionName(new TenantId("acme"), "alice");
  private static final ConnectionName BOB = new ConnectionName(new TenantId("acme"), "bob");
  private static final Duration LONG_TTL = Duration.ofSeconds(30);
  // Renewed every 100 ms.
  private static final Duration SHORT_TTL = Duration.ofMillis(300);
  // The bound of every wait, far above what each needs, for a slow machine.
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.plain();

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
    contractConfig = redis.config();
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
    try (Jedis raw = redis.raw()) {
      eventually(ttl.plus(PATIENCE))
          .until(() -> raw.keys(contractConfig.keyPrefix() + "*:lease:*").isEmpty());
    }
  }

  @Test
  void aHeldLeaseOutlivesSeveralTtlsWhileItIsRenewed() {
    RedisStoreConfig config = redis.config();
    RedisRefreshLeases leases = new RedisRefreshLeases(stores.open(config));
    String key = leaseKey(config, ALICE);

    try (RefreshLease lease = leases.tryAcquire(ALICE, SHORT_TTL).orElseThrow();
        Jedis raw = redis.raw()) {
      String owner = raw.get(key);

      Duration threeTtls = SHORT_TTL.multipliedBy(3);
      eventually(threeTtls.plus(PATIENCE))
          .during(threeTtls)
          .until(() -> owner.equals(raw.get(key)) && lease.isHeld());
      assertThat(raw.pttl(key)).isBetween(1L, SHORT_TTL.toMillis());
    }

    try (Jedis raw = redis.raw()) {
      assertThat(raw.exists(key)).as("released by close").isFalse();
    }
  }

  @Test
  void aRenewalThatFindsAnotherOwnerMarksTheLeaseLostAndStops() {
    RedisStoreConfig config = redis.config();
    RedisRefreshLeases leases = new RedisRefreshLeases(stores.open(config), renewals);
    String key = leaseKey(config, ALICE);
    RefreshLease lease = leases.tryAcquire(ALICE, SHORT_TTL).orElseThrow();

    try (Jedis raw = redis.raw()) {
      // What a successor's SET leaves, had this lease lapsed in Redis without the holder noticing.
      raw.set(key, "successor", SetParams.setParams().px(LONG_TTL.toMillis()));

      eventually(PATIENCE).until(() -> !lease.isHeld());
      eventually(PATIENCE).until(() -> renewals.getQueue().isEmpty());
      lease.close();

      assertThat(lease.isHeld()).isFalse();
      assertThat(raw.get(key)).isEqualTo("successor");
      assertThat(raw.pttl(key)).isGreaterThan(SHORT_TTL.toMillis());
    }
  }

  @Test
  void closingALeaseThatWasTakenOverLeavesTheSuccessorsKey() {
    RedisStoreConfig config = redis.config();
    RedisRefreshLeases first = new RedisRefreshLeases(stores.open(config), renewals);
    RedisRefreshLeases second = new RedisRefreshLeases(stores.open(config));
    String key = leaseKey(config, ALICE);
    RefreshLease stale = first.tryAcquire(ALICE, SHORT_TTL).orElseThrow();

    try (Jedis raw = redis.raw()) {
      // The holder stalls: no renewals, nothing released, so Redis drops the lease by its TTL.
      renewals.shutdownNow();
      eventually(PATIENCE).until(() -> !raw.exists(key));
      assertThat(stale.isHeld()).as("past its own deadline").isFalse();
      RefreshLease successor = second.tryAcquire(ALICE, LONG_TTL).orElseThrow();
      String successorsOwner = raw.get(key);

      stale.close();

      assertThat(raw.get(key)).isEqualTo(successorsOwner);
      assertThat(successor.isHeld()).isTrue();
      successor.close();
      assertThat(raw.exists(key)).isFalse();
    }
  }

  @Test
  void aStoreOutageShorterThanTheTtlDoesNotLoseTheLease() {
    // Renewals come 500 ms after the lease is taken and every 500 ms after, and time out after
    // 150 ms. Redis answers nobody for 800 ms from just after the lease is taken: the first renewal
    // times out, and the second succeeds, 500 ms before the lease's deadline.
    Duration ttl = Duration.ofMillis(1_500);
    RedisStoreConfig config =
        redis.config().withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(150));
    RedisRefreshLeases leases = new RedisRefreshLeases(stores.open(config));
    String key = leaseKey(config, ALICE);

    try (Jedis raw = redis.raw();
        RefreshLease lease = leases.tryAcquire(ALICE, ttl).orElseThrow()) {
      String owner = raw.get(key);
      long connectionsBefore = RedisStoreModuleTest.connectionsReceived(raw);
      raw.clientPause(800, ClientPauseMode.ALL);

      Duration pastTheFirstDeadline = ttl.plus(Duration.ofMillis(200));
      eventually(pastTheFirstDeadline.plus(PATIENCE))
          .during(pastTheFirstDeadline)
          .until(lease::isHeld);
      assertThat(raw.get(key)).isEqualTo(owner);
      assertThat(RedisStoreModuleTest.connectionsReceived(raw))
          .as("connections opened since the pause: one replaced what the failed renewal broke")
          .isGreaterThan(connectionsBefore);
    }
  }

  @Test
  void closingTheStoreStopsRenewalAndLeavesLeasesToExpire() {
    RedisStoreConfig config = redis.config();
    RedisStore store = stores.open(config);
    RedisRefreshLeases leases = new RedisRefreshLeases(store);
    String key = leaseKey(config, ALICE);
    RefreshLease lease = leases.tryAcquire(ALICE, SHORT_TTL).orElseThrow();

    store.close();

    assertThat(store.renewals().isTerminated()).isTrue();
    try (Jedis raw = redis.raw()) {
      eventually(PATIENCE).until(() -> !raw.exists(key));
    }
    assertThat(lease.isHeld()).isFalse();
    lease.close();
    assertStoreUnavailable(() -> leases.tryAcquire(BOB, SHORT_TTL));
  }

  @Test
  void aClosedLeaseIsNoLongerRenewed() {
    RedisStoreConfig config = redis.config();
    RedisRefreshLeases leases = new RedisRefreshLeases(stores.open(config), renewals);
    RefreshLease lease = leases.tryAcquire(ALICE, SHORT_TTL).orElseThrow();
    // The lease's renewal, waiting for its next run (not running it at this very moment).
    eventually(PATIENCE).until(() -> renewals.getQueue().size() == 1);

    lease.close();
    lease.close();

    assertThat(renewals.getQueue()).isEmpty();
    assertThat(lease.isHeld()).isFalse();
    try (Jedis raw = redis.raw()) {
      assertThat(raw.exists(leaseKey(config, ALICE))).isFalse();
    }
  }

  @Test
  void theLeaseKeySharesItsTenantsHashSlotAndHoldsANewRandomOwner() {
    RedisStoreConfig config = redis.config();
    String p = config.keyPrefix();
    RedisRefreshLeases leases = new RedisRefreshLeases(stores.open(config));

    try (Jedis raw = redis.raw()) {
      String firstOwner;
      try (RefreshLease lease = leases.tryAcquire(ALICE, LONG_TTL).orElseThrow()) {
        assertThat(raw.keys(p + "*")).containsExactly(p + "{t:acme}:lease:alice");
        int acme = JedisClusterCRC16.getSlot("t:acme");
        assertThat(JedisClusterCRC16.getSlot(p + "{t:acme}:lease:alice"))
            .isEqualTo(acme)
            .isEqualTo(JedisClusterCRC16.getSlot(p + "{t:acme}:conn:alice"));
        firstOwner = raw.get(p + "{t:acme}:lease:alice");
        assertThat(firstOwner).matches("[0-9a-f]{32}");
        assertThat(raw.pttl(p + "{t:acme}:lease:alice")).isBetween(1L, LONG_TTL.toMillis());
      }
      try (RefreshLease again = leases.tryAcquire(ALICE, LONG_TTL).orElseThrow()) {
        assertThat(raw.get(p + "{t:acme}:lease:alice"))
            .matches("[0-9a-f]{32}")
            .isNotEqualTo(firstOwner);
      }
    }
  }

  @Test
  void aTtlUnderAMillisecondIsRejected() {
    RedisRefreshLeases leases = new RedisRefreshLeases(stores.open(redis.config()));

    assertThatThrownBy(() -> leases.tryAcquire(ALICE, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> leases.tryAcquire(ALICE, Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static String leaseKey(RedisStoreConfig config, ConnectionName connection) {
    return config.keyPrefix()
        + "{t:"
        + connection.tenant().id()
        + "}:lease:"
        + connection.connectionId();
  }

  /**
   * Polls, in the test's thread (raw Jedis connections are not thread-safe), for at most a bound.
   */
  private static ConditionFactory eventually(Duration atMost) {
    return await().atMost(atMost).pollInSameThread().pollInterval(Duration.ofMillis(10));
  }
}
