package dev.cozegateway.application;

import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunMode;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.port.CozeWorkflows;
import java.time.InstantSource;
import java.util.Objects;

/**
 * Runs a workflow with Coze's stream endpoint and relays its events as they come (see {@link
 * StreamRelay}). Blocks the calling thread until the stream ends or the handle is cancelled.
 *
 * <p>A repeated request id does not run the workflow again: the sink gets the recorded run and, if
 * it has ended, its outcome as one event. Thread-safe.
 */
public final class StreamWorkflow {

  /** What to run. */
  public record Command(WorkflowRequest request) {
    public Command {
      Objects.requireNonNull(request, "request");
    }
  }

  private final RunStarter starter;
  private final WorkflowRunRecords records;
  private final WorkflowCalls calls;
  private final CozeWorkflows coze;
  private final StreamRelay relay;
  private final InstantSource clock;
  private final WorkflowSettings settings;

  StreamWorkflow(
      RunStarter starter,
      WorkflowRunRecords records,
      WorkflowCalls calls,
      CozeWorkflows coze,
      StreamRelay relay,
      InstantSource clock,
      WorkflowSettings settings) {
    this.starter = starter;
    this.records = records;
    this.calls = calls;
    this.coze = coze;
    this.relay = relay;
    this.clock = clock;
    this.settings = settings;
  }

  /**
   * @return the run as recorded when the stream ended
   */
  public WorkflowRun execute(Command command, RunEvents sink, RunHandle handle) {
    WorkflowRequest request = command.request();
    RunStarter.Started started =
        starter.start(request, WorkflowRunMode.STREAM, settings.streamTimeout());
    sink.started(started.run());
    if (started.repeated()) {
      replayOutcome(started.run(), sink);
      return started.run();
    }
    WorkflowRun running =
        records.settle(
            started.run(),
            b ->
                b.state(WorkflowRunState.RUNNING)
                    .checkTime(clock.instant().plus(settings.streamTimeout())));
    return relay.relay(
        running,
        () -> calls.call(request, (app, token) -> coze.stream(app, token, request.call())),
        sink,
        handle);
  }

  /** A repeated request's answer: the recorded run's outcome, if it has one, as one event. */
  static void replayOutcome(WorkflowRun run, RunEvents sink) {
    switch (run.state()) {
      case SUCCEEDED -> sink.event(new CozeWorkflows.Event.Done(0, run.debugUrl()));
      case INTERRUPTED -> sink.event(new CozeWorkflows.Event.Interrupt(0, run.interrupt()));
      case FAILED, CANCELLED -> sink.failed(0, run.error());
      case PENDING, RUNNING -> {
        // Still under way elsewhere; the caller follows it with GetWorkflowRun.
      }
    }
  }
}
