package dev.cozegateway.domain;

/** Coze's token accounting for a run. */
public record WorkflowUsage(long inputCount, long outputCount, long tokenCount) {
  public static final WorkflowUsage NONE = new WorkflowUsage(0, 0, 0);
}
