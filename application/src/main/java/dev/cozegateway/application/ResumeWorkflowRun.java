package dev.cozegateway.application;

import dev.cozegateway.domain.CozeApiException;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.GatewayException.FieldViolation;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.WorkflowInterrupt;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunMode;
import dev.cozegateway.domain.WorkflowRunName;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.port.CozeWorkflows;
import dev.cozegateway.domain.port.CozeWorkflows.Resume;
import dev.cozegateway.domain.port.CozeWorkflows.RunResult;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Continues an INTERRUPTED run with the end user's answer. A streamed run is resumed with Coze's
 * stream endpoint and relayed; a run started with {@code RunWorkflow} with the non-stream endpoint,
 * its outcome sent as one event (an async run that goes on running is polled again).
 *
 * <p>Only the run's current interrupt can be answered, and Coze allows {@link
 * WorkflowRun#MAX_RESUMES} resumes: the gateway checks both before calling Coze. Two concurrent
 * resumes of one run cannot both go through: the run moves to RUNNING by compare-and-set first.
 * Thread-safe.
 */
public final class ResumeWorkflowRun {

  /** The run, the interrupt answered, and the answer. */
  public record Command(WorkflowRunName run, String eventId, String resumeData, int interruptType) {
    public Command {
      Objects.requireNonNull(run, "run");
      eventId = eventId == null ? "" : eventId;
      resumeData = resumeData == null ? "" : resumeData;
      List<FieldViolation> violations = new ArrayList<>();
      if (eventId.isEmpty()) {
        violations.add(new FieldViolation("event_id", "must be the run's interrupt event id"));
      }
      if (resumeData.isEmpty()) {
        violations.add(new FieldViolation("resume_data", "must not be empty"));
      }
      if (interruptType <= 0) {
        violations.add(
            new FieldViolation("interrupt_type", "must be the run's interrupt type (e.g. 2)"));
      }
      if (!violations.isEmpty()) {
        throw new GatewayException.InvalidArgument(Reason.INVALID_ARGUMENT, violations);
      }
    }
  }

  private final WorkflowRunRecords records;
  private final WorkflowCalls calls;
  private final CozeWorkflows coze;
  private final StreamRelay relay;
  private final InstantSource clock;
  private final WorkflowSettings settings;

  ResumeWorkflowRun(
      WorkflowRunRecords records,
      WorkflowCalls calls,
      CozeWorkflows coze,
      StreamRelay relay,
      InstantSource clock,
      WorkflowSettings settings) {
    this.records = records;
    this.calls = calls;
    this.coze = coze;
    this.relay = relay;
    this.clock = clock;
    this.settings = settings;
  }

  /**
   * @return the run as recorded when the resume ended
   */
  public WorkflowRun execute(Command command, RunEvents sink, RunHandle handle) {
    WorkflowRun run = records.require(command.run());
    check(run, command);
    boolean streamed = run.mode() == WorkflowRunMode.STREAM;
    WorkflowRun running =
        records.updateIfUnchanged(
            run,
            b ->
                b.state(WorkflowRunState.RUNNING)
                    .interrupt(null)
                    .resumeCount(run.resumeCount() + 1)
                    .checkTime(
                        clock
                            .instant()
                            .plus(streamed ? settings.streamTimeout() : settings.syncTimeout())));
    if (running == null) {
      throw new GatewayException.FailedPrecondition(
          Reason.WORKFLOW_RUN_STATE_INVALID,
          "workflow run " + run.name() + " changed while being resumed; get it and try again",
          java.util.Map.of());
    }
    sink.started(running);
    Resume resume =
        new Resume(
            run.workflowId(), command.eventId(), command.resumeData(), command.interruptType());
    if (streamed) {
      return relay.relay(
          running,
          () ->
              answering(
                  () -> calls.call(run, (app, token) -> coze.resumeStream(app, token, resume))),
          sink,
          handle);
    }
    RunResult result;
    try {
      result = answering(() -> calls.call(run, (app, token) -> coze.resume(app, token, resume)));
    } catch (RuntimeException e) {
      records.recordFailure(running, e);
      throw WorkflowCalls.forCaller(e);
    }
    WorkflowRun after;
    if (run.mode() == WorkflowRunMode.ASYNC
        && result.interrupt() == null
        && (result.output() == null || result.output().isEmpty())) {
      // Coze goes on running it asynchronously: poll again.
      after =
          records.settle(
              running,
              b ->
                  b.logId(RunWorkflow.nullToEmpty(result.logId()))
                      .pollCount(0)
                      .checkTime(clock.instant().plus(settings.firstPoll())));
    } else {
      after = records.settle(running, b -> RunWorkflow.finished(b, result));
    }
    StreamWorkflow.replayOutcome(after, sink);
    return after;
  }

  /** Runs a resume call; Coze's 4000 on it is about the answer, not the run's parameters. */
  private static <T> T answering(Supplier<T> call) {
    try {
      return call.get();
    } catch (CozeApiException e) {
      throw WorkflowCalls.translate(e, "resume_data");
    }
  }

  private static void check(WorkflowRun run, Command command) {
    // The limit first: a run failed by Coze after its third answer is best explained by it.
    if (run.resumeCount() >= WorkflowRun.MAX_RESUMES) {
      throw new GatewayException.FailedPrecondition(
          Reason.WORKFLOW_RESUME_LIMIT_REACHED,
          "workflow run "
              + run.name()
              + " was resumed "
              + run.resumeCount()
              + " times; Coze allows "
              + WorkflowRun.MAX_RESUMES,
          java.util.Map.of());
    }
    if (run.state() != WorkflowRunState.INTERRUPTED) {
      throw new GatewayException.FailedPrecondition(
          Reason.WORKFLOW_RUN_STATE_INVALID,
          "workflow run "
              + run.name()
              + " is "
              + run.state()
              + "; only an INTERRUPTED run can be"
              + " resumed",
          java.util.Map.of());
    }
    WorkflowInterrupt interrupt = run.interrupt();
    List<FieldViolation> violations = new ArrayList<>();
    if (interrupt != null && !interrupt.eventId().equals(command.eventId())) {
      violations.add(
          new FieldViolation(
              "event_id", "must be the run's current interrupt event id, " + interrupt.eventId()));
    }
    if (interrupt != null && interrupt.type() != command.interruptType()) {
      violations.add(
          new FieldViolation(
              "interrupt_type", "must be the run's current interrupt type, " + interrupt.type()));
    }
    if (!violations.isEmpty()) {
      throw new GatewayException.InvalidArgument(Reason.INVALID_ARGUMENT, violations);
    }
  }
}
