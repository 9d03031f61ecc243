package dev.cozegateway.application;

import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.CozeWorkflows;
import dev.cozegateway.domain.port.WorkflowRunStore;
import java.security.SecureRandom;
import java.time.InstantSource;

/**
 * Builds the workflow use cases from their ports, with plain constructors. Workflow calls take a
 * connection's token from the broker's {@link GetAccessToken}, so they share its refreshes, and a
 * JWT app's from {@link GetServiceToken}, so they share its cache.
 */
public final class WorkflowUseCases {
  private final RunWorkflow runWorkflow;
  private final StreamWorkflow streamWorkflow;
  private final ResumeWorkflowRun resumeWorkflowRun;
  private final GetWorkflowRun getWorkflowRun;
  private final ListWorkflowRuns listWorkflowRuns;
  private final CancelWorkflowRun cancelWorkflowRun;
  private final WorkflowRunSweep sweep;

  public WorkflowUseCases(
      AuthUseCases auth,
      ServiceTokenUseCases serviceTokens,
      AppDirectory apps,
      ConnectionStore connections,
      WorkflowRunStore runs,
      CozeWorkflows coze,
      InstantSource clock,
      SecureRandom random,
      WorkflowSettings settings) {
    WorkflowRunRecords records = new WorkflowRunRecords(runs, clock);
    WorkflowCalls calls = new WorkflowCalls(auth.getAccessToken(), serviceTokens.getServiceToken());
    ActiveRelays active = new ActiveRelays();
    RunStarter starter = new RunStarter(apps, connections, runs, clock, new Codes(random));
    StreamRelay relay = new StreamRelay(records, active);
    this.runWorkflow = new RunWorkflow(starter, records, calls, coze, clock, settings);
    this.streamWorkflow = new StreamWorkflow(starter, records, calls, coze, relay, clock, settings);
    this.resumeWorkflowRun = new ResumeWorkflowRun(records, calls, coze, relay, clock, settings);
    this.getWorkflowRun = new GetWorkflowRun(records);
    this.listWorkflowRuns = new ListWorkflowRuns(runs);
    this.cancelWorkflowRun = new CancelWorkflowRun(records, active);
    this.sweep = new WorkflowRunSweep(runs, records, calls, coze, clock, settings);
  }

  public RunWorkflow runWorkflow() {
    return runWorkflow;
  }

  public StreamWorkflow streamWorkflow() {
    return streamWorkflow;
  }

  public ResumeWorkflowRun resumeWorkflowRun() {
    return resumeWorkflowRun;
  }

  public GetWorkflowRun getWorkflowRun() {
    return getWorkflowRun;
  }

  public ListWorkflowRuns listWorkflowRuns() {
    return listWorkflowRuns;
  }

  public CancelWorkflowRun cancelWorkflowRun() {
    return cancelWorkflowRun;
  }

  public WorkflowRunSweep sweep() {
    return sweep;
  }
}
