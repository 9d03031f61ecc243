package dev.cozegateway.domain;

/** The lifecycle of a workflow run, as the gateway records it. */
public enum WorkflowRunState {
  /** Recorded, not yet sent to Coze. */
  PENDING,
  /** Sent to Coze and not finished (or, for an async run, not yet seen finished). */
  RUNNING,
  /** Stopped at a question or input node, waiting for a resume. */
  INTERRUPTED,
  /** Finished successfully. */
  SUCCEEDED,
  /** Finished with an error. */
  FAILED,
  /** Cancelled in the gateway; the workflow may still have finished at Coze. */
  CANCELLED;

  /** Whether the run can change no more. */
  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }
}
