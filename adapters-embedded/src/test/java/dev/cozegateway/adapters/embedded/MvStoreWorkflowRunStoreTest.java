package dev.cozegateway.adapters.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunQuery;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.contract.WorkflowRunStoreContract;
import dev.cozegateway.domain.port.WorkflowRunStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class MvStoreWorkflowRunStoreTest extends WorkflowRunStoreContract {
  @TempDir Path dataDir;

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Override
  protected WorkflowRunStore store() {
    return new MvStoreWorkflowRunStore(stores.open(dataDir));
  }

  @Test
  void keepsRecordsAndIndexesAcrossAReopen() {
    Path dir = dataDir.resolve("reopened");
    EmbeddedStore first = stores.open(dir);
    MvStoreWorkflowRunStore runs = new MvStoreWorkflowRunStore(first);
    WorkflowRun due = run("acme", "due").requestId("req-due").checkTime(T0).build();
    WorkflowRun old = finished("acme", "old", T0).toBuilder().requestId("req-old").build();
    WorkflowRun replaced = run("acme", "replaced").createTime(T0.plusSeconds(1)).build();
    WorkflowRun replacedLater =
        replaced.toBuilder()
            .state(WorkflowRunState.SUCCEEDED)
            .checkTime(null)
            .nextVersion(T0.plus(Duration.ofDays(2)))
            .build();
    runs.create(due);
    runs.create(old);
    runs.create(replaced);
    assertThat(runs.replaceIfVersion(replacedLater, 1)).isTrue();
    first.close();

    MvStoreWorkflowRunStore reopened = new MvStoreWorkflowRunStore(stores.open(dir));

    assertThat(reopened.find(replaced.name())).contains(replacedLater);
    assertThat(reopened.list(tenant("acme"), WorkflowRunQuery.all(10)))
        .containsExactly(replacedLater, old, due);
    assertThat(reopened.findDue(T0, 10)).containsExactly(due);
    assertThat(reopened.create(run("acme", "again").requestId("req-due").build())).isEqualTo(due);
    assertThat(reopened.deleteExpired(T0.plus(Duration.ofDays(1)), 10)).isEqualTo(1);
    assertThat(reopened.find(old.name())).isEmpty();
  }

  @Test
  void aClosedStoreIsUnavailable() {
    EmbeddedStore embedded = stores.open(dataDir.resolve("closed"));
    MvStoreWorkflowRunStore runs = new MvStoreWorkflowRunStore(embedded);
    embedded.close();

    MvStoreConnectionStoreTest.assertStoreUnavailable(() -> runs.create(run("acme", "r1").build()));
    MvStoreConnectionStoreTest.assertStoreUnavailable(() -> runs.find(name("acme", "r1")));
    MvStoreConnectionStoreTest.assertStoreUnavailable(
        () -> runs.replaceIfVersion(run("acme", "r1").version(2).build(), 1));
    MvStoreConnectionStoreTest.assertStoreUnavailable(
        () -> runs.list(tenant("acme"), WorkflowRunQuery.all(10)));
    MvStoreConnectionStoreTest.assertStoreUnavailable(() -> runs.findDue(T0, 10));
    MvStoreConnectionStoreTest.assertStoreUnavailable(() -> runs.deleteExpired(T0, 10));
  }

  @Test
  void anUnreadableRecordIsDataCorruptNotAParseError() {
    EmbeddedStore embedded = stores.open(dataDir.resolve("corrupt"));
    MvStoreWorkflowRunStore runs = new MvStoreWorkflowRunStore(embedded);
    embedded.write(
        () ->
            embedded
                .recordMap("workflow-runs")
                .put("tenants/acme/workflowRuns/r1", "{not json".getBytes(StandardCharsets.UTF_8)));

    GatewayException.Internal failure =
        catchThrowableOfType(GatewayException.Internal.class, () -> runs.find(name("acme", "r1")));

    assertThat(failure.reason()).isEqualTo(Reason.DATA_CORRUPT);
    assertThat(failure.getMessage()).doesNotContain("not json");
  }
}
