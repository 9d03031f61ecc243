package dev.cozegateway.adapters.redis;

import static dev.cozegateway.adapters.redis.StoreAssertions.assertStoreUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunQuery;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.contract.WorkflowRunStoreContract;
import dev.cozegateway.domain.port.WorkflowRunStore;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

class RedisWorkflowRunStoreTest extends WorkflowRunStoreContract {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.plain();

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Override
  protected WorkflowRunStore store() {
    return new RedisWorkflowRunStore(stores.open(redis.config()));
  }

  @Test
  void aTenantsKeysShareOneHashSlotAndOnlyTheTenantSetHasNone() {
    RedisStoreConfig config = redis.config();
    String p = config.keyPrefix();
    RedisWorkflowRunStore runs = new RedisWorkflowRunStore(stores.open(config));
    runs.create(run("acme", "r1").requestId("req-1").build());
    runs.create(finished("acme", "r2", T0));
    runs.create(run("globex", "r1").build());

    try (Jedis raw = redis.raw()) {
      Set<String> stored = raw.keys(p + "*");

      assertThat(stored)
          .containsExactlyInAnyOrder(
              p + "{t:acme}:run:r1",
              p + "{t:acme}:run:r2",
              p + "{t:acme}:runs",
              p + "{t:acme}:runs-due",
              p + "{t:acme}:runs-idle",
              p + "{t:acme}:run-request:req-1",
              p + "{t:globex}:run:r1",
              p + "{t:globex}:runs",
              p + "{t:globex}:runs-due",
              p + "run-tenants");
      Map<String, Set<Integer>> slotsByTenant =
          stored.stream()
              .filter(key -> key.contains("{"))
              .collect(
                  Collectors.groupingBy(
                      key -> key.substring(key.indexOf('{'), key.indexOf('}') + 1),
                      Collectors.mapping(JedisClusterCRC16::getSlot, Collectors.toSet())));
      assertThat(slotsByTenant.get("{t:acme}"))
          .containsExactly(JedisClusterCRC16.getSlot("t:acme"));
      assertThat(slotsByTenant.get("{t:globex}"))
          .containsExactly(JedisClusterCRC16.getSlot("t:globex"));
      assertThat(raw.smembers(p + "run-tenants")).containsExactlyInAnyOrder("acme", "globex");
    }
  }

  @Test
  void storesTheVersionBesideTheRecordAndIndexesByExactTimes() {
    RedisStoreConfig config = redis.config();
    String p = config.keyPrefix();
    RedisWorkflowRunStore runs = new RedisWorkflowRunStore(stores.open(config));
    WorkflowRun run = run("acme", "r1").version(41).requestId("req-1").build();
    runs.create(run);

    try (Jedis raw = redis.raw()) {
      String key = p + "{t:acme}:run:r1";
      assertThat(raw.hget(key, "version")).isEqualTo("41");
      assertThat(raw.hget(key, "record")).startsWith("{\"v\":1,");
      assertThat(raw.hget(key, "state")).isEqualTo("RUNNING");
      assertThat(raw.pttl(key)).isEqualTo(-1);
      // 2025-03-01T10:15:30.123456789Z, and a minute later: to the nanosecond.
      assertThat(raw.zrangeWithScores(p + "{t:acme}:runs", 0, -1))
          .singleElement()
          .satisfies(
              entry -> {
                assertThat(entry.getElement()).isEqualTo("100000001740824130123456789:r1");
                assertThat(entry.getScore()).isZero();
              });
      assertThat(raw.zrange(p + "{t:acme}:runs-due", 0, -1))
          .containsExactly("100000001740824190123456789:r1");
      assertThat(raw.exists(p + "{t:acme}:runs-idle")).isFalse();
      assertThat(raw.get(p + "{t:acme}:run-request:req-1")).isEqualTo("r1");
    }
  }

  @Test
  void deletingTheLastRunsLeavesNoKeyButTheTenantSet() {
    RedisStoreConfig config = redis.config();
    String p = config.keyPrefix();
    RedisWorkflowRunStore runs = new RedisWorkflowRunStore(stores.open(config));
    WorkflowRun run = run("acme", "r1").requestId("req-1").build();
    runs.create(run);
    WorkflowRun finished =
        run.toBuilder().state(WorkflowRunState.SUCCEEDED).checkTime(null).nextVersion(T0).build();
    assertThat(runs.replaceIfVersion(finished, 1)).isTrue();

    assertThat(runs.deleteExpired(T0.plus(Duration.ofDays(1)), 10)).isEqualTo(1);

    try (Jedis raw = redis.raw()) {
      assertThat(raw.keys(p + "*")).containsExactly(p + "run-tenants");
    }
  }

  @Test
  void runsItsScriptsAgainAfterTheServerForgetsThem() {
    RedisWorkflowRunStore runs = new RedisWorkflowRunStore(stores.open(redis.config()));
    WorkflowRun first = run("acme", "r1").build();
    runs.create(first);
    try (Jedis raw = redis.raw()) {
      raw.scriptFlush();
    }

    WorkflowRun second = finished("acme", "r2", T0);
    runs.create(second);
    WorkflowRun replaced = first.toBuilder().output("x").nextVersion(T0).build();
    assertThat(runs.replaceIfVersion(replaced, 1)).isTrue();

    assertThat(runs.list(tenant("acme"), WorkflowRunQuery.all(10)))
        .containsExactly(second, replaced);
    assertThat(runs.findDue(T0.plus(Duration.ofDays(1)), 10)).containsExactly(replaced);
    assertThat(runs.deleteExpired(T0.plus(Duration.ofDays(1)), 10)).isEqualTo(1);
  }

  @Test
  void withWaitForReplicasSetRunWritesStillDoNotWait() {
    RedisWorkflowRunStore runs =
        new RedisWorkflowRunStore(
            stores.open(redis.config().withWaitForReplicas(1, Duration.ofMillis(200))));
    WorkflowRun run = run("acme", "r1").build();

    assertThat(runs.create(run)).isEqualTo(run);
    assertThat(runs.replaceIfVersion(run.toBuilder().nextVersion(T0).build(), 1)).isTrue();
  }

  @Test
  void anUnreadableRecordIsDataCorruptNotAParseError() {
    RedisStoreConfig config = redis.config();
    RedisWorkflowRunStore runs = new RedisWorkflowRunStore(stores.open(config));
    try (Jedis raw = redis.raw()) {
      raw.hset(config.keyPrefix() + "{t:acme}:run:r1", Map.of("version", "1", "record", "{oops"));
    }

    GatewayException.Internal failure =
        catchThrowableOfType(GatewayException.Internal.class, () -> runs.find(name("acme", "r1")));

    assertThat(failure.reason()).isEqualTo(Reason.DATA_CORRUPT);
    assertThat(failure.getMessage()).doesNotContain("oops");
  }

  @Test
  void aClosedStoreIsUnavailable() {
    RedisStore closed = stores.open(redis.config());
    RedisWorkflowRunStore runs = new RedisWorkflowRunStore(closed);
    closed.close();

    assertStoreUnavailable(() -> runs.create(run("acme", "r1").build()));
    assertStoreUnavailable(() -> runs.find(name("acme", "r1")));
    assertStoreUnavailable(() -> runs.replaceIfVersion(run("acme", "r1").version(2).build(), 1));
    assertStoreUnavailable(() -> runs.list(tenant("acme"), WorkflowRunQuery.all(10)));
    assertStoreUnavailable(() -> runs.findDue(T0, 10));
    assertStoreUnavailable(() -> runs.deleteExpired(T0, 10));
  }
}
