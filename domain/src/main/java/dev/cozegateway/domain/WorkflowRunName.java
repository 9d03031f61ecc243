package dev.cozegateway.domain;

import java.util.Objects;

/** The name of a workflow run: {@code tenants/{tenant}/workflowRuns/{workflow_run}}. */
public record WorkflowRunName(TenantId tenant, String runId) {
  public WorkflowRunName {
    Objects.requireNonNull(tenant, "tenant");
    ResourceIds.require(runId, "workflow_run_id", "workflow run");
  }

  /** Parses a run name; {@code field} names the request field in errors. */
  public static WorkflowRunName parse(String name, String field) {
    String[] parts = ResourceNames.parseChild(name, "workflowRuns", field);
    return new WorkflowRunName(new TenantId(parts[0]), parts[1]);
  }

  public String name() {
    return tenant.name() + "/workflowRuns/" + runId;
  }

  @Override
  public String toString() {
    return name();
  }
}
