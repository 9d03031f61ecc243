package dev.cozegateway.application;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunName;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.port.WorkflowRunStore;
import java.time.InstantSource;
import java.util.function.UnaryOperator;

/** Reads and compare-and-set writes of run records, shared by the workflow use cases. */
final class WorkflowRunRecords {
  private static final int MAX_ATTEMPTS = 5;

  private final WorkflowRunStore runs;
  private final InstantSource clock;

  WorkflowRunRecords(WorkflowRunStore runs, InstantSource clock) {
    this.runs = runs;
    this.clock = clock;
  }

  WorkflowRun require(WorkflowRunName name) {
    return runs.find(name)
        .orElseThrow(
            () ->
                new GatewayException.NotFound(
                    Reason.WORKFLOW_RUN_NOT_FOUND, "workflow run " + name + " does not exist"));
  }

  /**
   * Applies {@code change} to the stored run (one version later), unless the run is terminal by
   * then: a run cancelled (or failed by the sweep) meanwhile stays as it is. Retries on a
   * concurrent write.
   *
   * @return the run as stored afterwards
   */
  WorkflowRun settle(WorkflowRun current, UnaryOperator<WorkflowRun.Builder> change) {
    WorkflowRun base = current;
    for (int attempt = 1; ; attempt++) {
      if (base.isTerminal()) {
        return base;
      }
      WorkflowRun updated = change.apply(base.toBuilder().nextVersion(clock.instant())).build();
      if (runs.replaceIfVersion(updated, base.version())) {
        return updated;
      }
      base = require(base.name());
      if (attempt == MAX_ATTEMPTS) {
        return base;
      }
    }
  }

  /**
   * Records that the run failed with {@code failure}. If the store cannot be reached for that, the
   * run is left as it is: its check time makes the sweep fail it later.
   */
  void recordFailure(WorkflowRun run, RuntimeException failure) {
    try {
      settle(
          run,
          b ->
              b.state(WorkflowRunState.FAILED)
                  .error(WorkflowCalls.runError(failure))
                  .interrupt(null)
                  .checkTime(null));
    } catch (GatewayException.Unavailable storeDown) {
      // The sweep fails it once its check time has passed.
    }
  }

  /**
   * Applies {@code change} only if the run is still at {@code current}'s version.
   *
   * @return the updated run, or {@code null} if another writer got there first
   */
  WorkflowRun updateIfUnchanged(WorkflowRun current, UnaryOperator<WorkflowRun.Builder> change) {
    WorkflowRun updated = change.apply(current.toBuilder().nextVersion(clock.instant())).build();
    return runs.replaceIfVersion(updated, current.version()) ? updated : null;
  }
}
