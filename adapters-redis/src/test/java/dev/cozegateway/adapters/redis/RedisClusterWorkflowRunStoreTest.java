package dev.cozegateway.adapters.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunQuery;
import dev.cozegateway.domain.contract.WorkflowRunStoreContract;
import dev.cozegateway.domain.port.WorkflowRunStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/** The workflow run contract on a three-master Redis Cluster, then the cross-tenant queries. */
class RedisClusterWorkflowRunStoreTest extends WorkflowRunStoreContract {
  private static final int TENANTS = 24;

  @RegisterExtension static final RedisClusterExtension cluster = new RedisClusterExtension();

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Override
  protected WorkflowRunStore store() {
    return new RedisWorkflowRunStore(stores.open(cluster.config()));
  }

  @Test
  void findsAndDeletesTheRunsOfTenantsOnEveryMaster() {
    RedisStoreConfig config = cluster.config();
    RedisWorkflowRunStore runs = new RedisWorkflowRunStore(stores.open(config));
    List<WorkflowRun> due = new ArrayList<>();
    Set<Integer> servedBy = new HashSet<>();
    for (int t = 0; t < TENANTS; t++) {
      String tenant = "tenant-" + t;
      WorkflowRun run = run(tenant, "due").checkTime(T0.plusMillis(t)).build();
      runs.create(run);
      runs.create(finished(tenant, "old", T0));
      due.add(run);
      try (Jedis node = cluster.rawFor(config.keyPrefix() + "{t:" + tenant + "}:runs")) {
        servedBy.add(node.getConnection().getHostAndPort().getPort());
      }
    }
    assertThat(servedBy).as("the masters that hold a tenant's runs").hasSize(3);

    assertThat(runs.findDue(T0.plusSeconds(1), 100)).containsExactlyElementsOf(due);
    assertThat(runs.findDue(T0.plusSeconds(1), 3)).containsExactlyElementsOf(due.subList(0, 3));

    Duration day = Duration.ofDays(1);
    assertThat(runs.deleteExpired(T0.plus(day), 10)).isEqualTo(10);
    assertThat(runs.deleteExpired(T0.plus(day), 100)).isEqualTo(TENANTS - 10);
    assertThat(runs.deleteExpired(T0.plus(day), 100)).isZero();
    for (int t = 0; t < TENANTS; t++) {
      assertThat(runs.list(tenant("tenant-" + t), WorkflowRunQuery.all(10)))
          .containsExactly(due.get(t));
    }
  }
}
