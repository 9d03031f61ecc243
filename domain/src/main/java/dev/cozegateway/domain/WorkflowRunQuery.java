package dev.cozegateway.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * Which of a tenant's runs to list, and where a page starts. Runs are ordered newest first: by
 * create time descending, then by run id descending.
 *
 * @param workflowId only runs of this workflow; empty for any
 * @param state only runs in this state; {@code null} for any
 * @param connection only runs for this connection; {@code null} for any
 * @param afterCreateTime with {@code afterRunId}, the last run of the previous page: this page
 *     starts strictly after it in the order; {@code null} for the first page
 * @param afterRunId see {@code afterCreateTime}
 * @param limit the most runs to return, at least 1
 */
public record WorkflowRunQuery(
    String workflowId,
    WorkflowRunState state,
    ConnectionName connection,
    Instant afterCreateTime,
    String afterRunId,
    int limit) {
  public WorkflowRunQuery {
    workflowId = workflowId == null ? "" : workflowId;
    if ((afterCreateTime == null) != (afterRunId == null)) {
      throw new IllegalArgumentException("afterCreateTime and afterRunId go together");
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
  }

  /** The first page of every run, at most {@code limit}. */
  public static WorkflowRunQuery all(int limit) {
    return new WorkflowRunQuery("", null, null, null, null, limit);
  }

  /** Whether {@code run} passes the filters (not the cursor). */
  public boolean matches(WorkflowRun run) {
    return (workflowId.isEmpty() || workflowId.equals(run.workflowId()))
        && (state == null || state == run.state())
        && (connection == null || connection.equals(run.connection()));
  }

  /** Whether {@code run} comes strictly after the cursor in the order (always, on a first page). */
  public boolean isAfterCursor(WorkflowRun run) {
    if (afterCreateTime == null) {
      return true;
    }
    int byTime = run.createTime().compareTo(afterCreateTime);
    return byTime < 0 || (byTime == 0 && run.name().runId().compareTo(afterRunId) < 0);
  }

  /** This query for the page after {@code last}. */
  public WorkflowRunQuery after(WorkflowRun last) {
    Objects.requireNonNull(last, "last");
    return new WorkflowRunQuery(
        workflowId, state, connection, last.createTime(), last.name().runId(), limit);
  }
}
