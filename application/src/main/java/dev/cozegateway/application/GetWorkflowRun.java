package dev.cozegateway.application;

import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunName;

/** Returns a run record. Thread-safe. */
public final class GetWorkflowRun {
  private final WorkflowRunRecords records;

  GetWorkflowRun(WorkflowRunRecords records) {
    this.records = records;
  }

  public WorkflowRun execute(WorkflowRunName name) {
    return records.require(name);
  }
}
