package dev.cozegateway.application;

import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunMode;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.WorkflowUsage;
import dev.cozegateway.domain.port.CozeWorkflows;
import dev.cozegateway.domain.port.CozeWorkflows.AsyncStart;
import dev.cozegateway.domain.port.CozeWorkflows.RunResult;
import java.time.InstantSource;
import java.util.Objects;

/**
 * Runs a workflow synchronously, returning the finished or interrupted run, or starts it
 * asynchronously and returns it RUNNING: {@link WorkflowRunSweep} then polls Coze until it ends.
 *
 * <p>The run is recorded PENDING before Coze is called, RUNNING just before, and terminal (or
 * INTERRUPTED) after; a failure is recorded on the run and then thrown. A repeated request id
 * returns the first request's run as it is now, without calling Coze. Thread-safe.
 */
public final class RunWorkflow {

  /** What to run, and whether asynchronously. */
  public record Command(WorkflowRequest request, boolean async) {
    public Command {
      Objects.requireNonNull(request, "request");
    }
  }

  private final RunStarter starter;
  private final WorkflowRunRecords records;
  private final WorkflowCalls calls;
  private final CozeWorkflows coze;
  private final InstantSource clock;
  private final WorkflowSettings settings;

  RunWorkflow(
      RunStarter starter,
      WorkflowRunRecords records,
      WorkflowCalls calls,
      CozeWorkflows coze,
      InstantSource clock,
      WorkflowSettings settings) {
    this.starter = starter;
    this.records = records;
    this.calls = calls;
    this.coze = coze;
    this.clock = clock;
    this.settings = settings;
  }

  public WorkflowRun execute(Command command) {
    WorkflowRequest request = command.request();
    RunStarter.Started started =
        starter.start(
            request,
            command.async() ? WorkflowRunMode.ASYNC : WorkflowRunMode.SYNC,
            settings.syncTimeout());
    if (started.repeated()) {
      return started.run();
    }
    WorkflowRun running =
        records.settle(
            started.run(),
            b ->
                b.state(WorkflowRunState.RUNNING)
                    .checkTime(clock.instant().plus(settings.syncTimeout())));
    try {
      if (command.async()) {
        AsyncStart accepted =
            calls.call(request, (app, token) -> coze.runAsync(app, token, request.call()));
        return records.settle(
            running,
            b ->
                b.executeId(nullToEmpty(accepted.executeId()))
                    .debugUrl(nullToEmpty(accepted.debugUrl()))
                    .logId(nullToEmpty(accepted.logId()))
                    .pollCount(0)
                    .checkTime(clock.instant().plus(settings.firstPoll())));
      }
      RunResult result = calls.call(request, (app, token) -> coze.run(app, token, request.call()));
      return records.settle(running, b -> finished(b, result));
    } catch (RuntimeException e) {
      records.recordFailure(running, e);
      throw WorkflowCalls.forCaller(e);
    }
  }

  /** A sync run's (or non-stream resume's) outcome: interrupted, or succeeded. */
  static WorkflowRun.Builder finished(WorkflowRun.Builder b, RunResult result) {
    b.executeId(nullToEmpty(result.executeId()))
        .output(nullToEmpty(result.output()))
        .debugUrl(nullToEmpty(result.debugUrl()))
        .usage(result.usage() == null ? WorkflowUsage.NONE : result.usage())
        .logId(nullToEmpty(result.logId()))
        .checkTime(null);
    if (result.interrupt() != null) {
      return b.state(WorkflowRunState.INTERRUPTED).interrupt(result.interrupt());
    }
    return b.state(WorkflowRunState.SUCCEEDED).interrupt(null);
  }

  static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }
}
