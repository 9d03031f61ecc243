package dev.cozegateway.sandbox;

import java.time.Instant;

/**
 * One workflow run (one {@code execute_id}) and its run-history record (§4.5). Thread-safe: every
 * change is synchronized, and a resume is admitted atomically, so of two concurrent resumes with
 * the same event id exactly one proceeds.
 *
 * <p>A run's outcome is decided when it starts or resumes ({@link WorkflowScript}); an async run
 * gets it with a time on the sandbox clock, and its record shows {@code Running} until then.
 */
final class WorkflowRun {
  /** The {@code run_mode} of §4.5. */
  enum Mode {
    SYNC(0),
    STREAM(1),
    ASYNC(2);

    final int wire;

    Mode(int wire) {
      this.wire = wire;
    }
  }

  /** Where the run stands. An interrupted run shows as {@code Running} with interrupt data. */
  enum Status {
    RUNNING("Running"),
    INTERRUPTED("Running"),
    SUCCESS("Success"),
    FAIL("Fail");

    final String wire;

    Status(String wire) {
      this.wire = wire;
    }
  }

  /** Request facts the history record repeats. */
  record Origin(String logId, String botId, String connectorId, String connectorUid) {}

  /** A consistent view of the mutable part. */
  record Snapshot(
      Status status,
      Instant updatedAt,
      String output,
      WorkflowScript.Usage usage,
      int errorCode,
      String errorMessage,
      String eventId,
      String question,
      int resumes) {}

  private final String executeId;
  private final String workflowId;
  private final Mode mode;
  private final Origin origin;
  private final String debugUrl;
  private final Instant createdAt;

  // All guarded by this.
  private Status status = Status.RUNNING;
  private Instant updatedAt;
  private String output = "";
  private WorkflowScript.Usage usage = WorkflowScript.Usage.NONE;
  private int errorCode;
  private String errorMessage = "";
  private String eventId;
  private String question;
  private int resumes;
  private WorkflowScript.Terminal pending;
  private String pendingEventId;
  private Instant pendingAt;

  WorkflowRun(
      String executeId,
      String workflowId,
      Mode mode,
      Origin origin,
      String debugUrl,
      Instant createdAt) {
    this.executeId = executeId;
    this.workflowId = workflowId;
    this.mode = mode;
    this.origin = origin;
    this.debugUrl = debugUrl;
    this.createdAt = createdAt;
    this.updatedAt = createdAt;
  }

  String executeId() {
    return executeId;
  }

  String workflowId() {
    return workflowId;
  }

  Mode mode() {
    return mode;
  }

  Origin origin() {
    return origin;
  }

  String debugUrl() {
    return debugUrl;
  }

  Instant createdAt() {
    return createdAt;
  }

  /**
   * Decides how the current leg ends, effective at {@code when} ({@code eventId} for an {@link
   * WorkflowScript.Ask}). Until then the run stays {@code Running}.
   */
  synchronized void endAt(WorkflowScript.Terminal terminal, String newEventId, Instant when) {
    pending = terminal;
    pendingEventId = newEventId;
    pendingAt = when;
  }

  /** The run as of {@code now}, applying a due outcome first. */
  synchronized Snapshot snapshot(Instant now) {
    settle(now);
    return new Snapshot(
        status, updatedAt, output, usage, errorCode, errorMessage, eventId, question, resumes);
  }

  /**
   * Admits a resume of the interrupt {@code requestedEventId}: the run goes back to {@code Running}
   * and the resume number (1-based) is returned.
   *
   * @throws BusinessException 4315 if the run has finished; 4000 if {@code requestedEventId} is not
   *     the interrupt the run is waiting at (an older one, or the run is not interrupted), or the
   *     interrupt type is wrong
   */
  synchronized int admitResume(String requestedEventId, int interruptType, Instant now)
      throws BusinessException {
    settle(now);
    if (status == Status.SUCCESS || status == Status.FAIL) {
      throw BusinessException.of(4315);
    }
    if (status != Status.INTERRUPTED || !requestedEventId.equals(eventId)) {
      throw BusinessException.badRequest("event_id is not the interrupt this run is waiting at");
    }
    if (interruptType != WorkflowScript.Ask.QUESTION_TYPE) {
      throw BusinessException.badRequest("interrupt_type does not match the interrupt");
    }
    resumes++;
    status = Status.RUNNING;
    eventId = null;
    updatedAt = now;
    return resumes;
  }

  private void settle(Instant now) {
    if (pending == null || now.isBefore(pendingAt)) {
      return;
    }
    WorkflowScript.Terminal terminal = pending;
    pending = null;
    updatedAt = pendingAt.isAfter(updatedAt) ? pendingAt : updatedAt;
    if (terminal instanceof WorkflowScript.Finish finish) {
      status = Status.SUCCESS;
      output = finish.output();
      usage = finish.usage();
    } else if (terminal instanceof WorkflowScript.Ask ask) {
      status = Status.INTERRUPTED;
      eventId = pendingEventId;
      question = ask.question();
    } else if (terminal instanceof WorkflowScript.Fail fail) {
      status = Status.FAIL;
      errorCode = fail.code();
      errorMessage = fail.message();
    }
  }
}
