package dev.cozegateway.domain;

/** How a run was started, which decides how it continues and how it is resumed. */
public enum WorkflowRunMode {
  /** {@code RunWorkflow}: the caller waits for the result. */
  SYNC,
  /** {@code RunWorkflow} with {@code async}: the gateway polls Coze for the result. */
  ASYNC,
  /** {@code StreamWorkflow}: events are relayed as Coze sends them. */
  STREAM
}
