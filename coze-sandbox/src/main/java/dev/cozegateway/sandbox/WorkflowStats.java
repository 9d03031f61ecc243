package dev.cozegateway.sandbox;

import java.util.Map;

/**
 * Counters of workflow-endpoint activity since the sandbox started: what a test asserts to prove
 * "no second Coze call". Calls refused before a run started (bad token, forced codes, bad
 * parameters, unknown workflow, 6003) count only as {@link #rejections}.
 *
 * @param syncRuns runs started by {@code POST /v1/workflow/run} without {@code is_async}
 * @param streamRuns runs started by {@code POST /v1/workflow/stream_run}
 * @param asyncRuns runs started by {@code POST /v1/workflow/run} with {@code is_async: true}
 * @param resumes accepted {@code POST /v1/workflows/resume} calls
 * @param streamResumes accepted {@code POST /v1/workflow/stream_resume} calls
 * @param historyQueries answered {@code run_histories} queries
 * @param rejections workflow calls answered with a business error envelope, forced ones included
 * @param streamDisconnects streams whose client went away before the last event
 * @param runsByWorkflow runs started (all modes) per workflow id
 */
public record WorkflowStats(
    long syncRuns,
    long streamRuns,
    long asyncRuns,
    long resumes,
    long streamResumes,
    long historyQueries,
    long rejections,
    long streamDisconnects,
    Map<String, Long> runsByWorkflow) {

  public WorkflowStats {
    runsByWorkflow = Map.copyOf(runsByWorkflow);
  }

  /** Runs started in any mode. */
  public long runs() {
    return syncRuns + streamRuns + asyncRuns;
  }

  /** Resumes accepted on either endpoint. */
  public long allResumes() {
    return resumes + streamResumes;
  }
}
