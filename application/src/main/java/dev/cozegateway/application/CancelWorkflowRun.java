package dev.cozegateway.application;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunError;
import dev.cozegateway.domain.WorkflowRunName;
import dev.cozegateway.domain.WorkflowRunState;
import java.util.Map;

/**
 * Marks a run CANCELLED and stops the gateway's work on it: a relay in this process closes its
 * stream to Coze at once, a relay in another replica at its next event (it looks at the record
 * every second), and an async run is polled no more. Coze has no cancel endpoint, so the workflow
 * may still finish at Coze. Thread-safe.
 */
public final class CancelWorkflowRun {
  /** What a cancelled run records as its error. */
  static final WorkflowRunError CANCELLED =
      new WorkflowRunError(
          "CANCELLED",
          "cancelled in the gateway; Coze has no cancel endpoint, so the workflow may still have"
              + " finished at Coze",
          "",
          "");

  private static final int MAX_ATTEMPTS = 5;

  private final WorkflowRunRecords records;
  private final ActiveRelays active;

  CancelWorkflowRun(WorkflowRunRecords records, ActiveRelays active) {
    this.records = records;
    this.active = active;
  }

  public WorkflowRun execute(WorkflowRunName name) {
    for (int attempt = 1; ; attempt++) {
      WorkflowRun run = records.require(name);
      if (run.isTerminal()) {
        throw new GatewayException.FailedPrecondition(
            Reason.WORKFLOW_RUN_STATE_INVALID,
            "workflow run " + name + " already ended " + run.state(),
            Map.of());
      }
      WorkflowRun cancelled =
          records.updateIfUnchanged(
              run,
              b ->
                  b.state(WorkflowRunState.CANCELLED)
                      .error(CANCELLED)
                      .interrupt(null)
                      .checkTime(null));
      if (cancelled != null) {
        active.cancel(name);
        return cancelled;
      }
      if (attempt == MAX_ATTEMPTS) {
        throw new GatewayException.Unavailable(
            Reason.STORE_UNAVAILABLE,
            "workflow run " + name + " kept changing; try again",
            Map.of(),
            null);
      }
    }
  }
}
