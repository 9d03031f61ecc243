package dev.cozegateway.sandbox;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Every workflow run the sandbox started, by execute id and by interrupt event id, plus the
 * workflow counters and the record of stream disconnects. Thread-safe.
 */
final class WorkflowRuns {
  private final SandboxClock clock;
  private final RandomTokens random;
  private final Map<String, WorkflowRun> byExecuteId = new ConcurrentHashMap<>();
  private final Map<String, WorkflowRun> byEventId = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> runsByWorkflow = new ConcurrentHashMap<>();
  private final Map<WorkflowRun.Mode, AtomicLong> runsByMode = new ConcurrentHashMap<>();
  private final AtomicLong resumes = new AtomicLong();
  private final AtomicLong streamResumes = new AtomicLong();
  private final AtomicLong historyQueries = new AtomicLong();
  private final AtomicLong rejections = new AtomicLong();
  private final List<StreamDisconnect> disconnects = new CopyOnWriteArrayList<>();

  WorkflowRuns(SandboxClock clock, RandomTokens random) {
    this.clock = clock;
    this.random = random;
  }

  /** Registers and counts a new run. */
  WorkflowRun start(
      String workflowId, WorkflowRun.Mode mode, WorkflowRun.Origin origin, String baseUrl) {
    String executeId = random.decimalId();
    String debugUrl =
        baseUrl
            + "/work_flow?execute_id="
            + executeId
            + "&space_id="
            + CozeIds.SPACE_ID
            + "&workflow_id="
            + workflowId;
    WorkflowRun run =
        new WorkflowRun(executeId, workflowId, mode, origin, debugUrl, clock.instant());
    byExecuteId.put(executeId, run);
    runsByWorkflow.computeIfAbsent(workflowId, id -> new AtomicLong()).incrementAndGet();
    runsByMode.computeIfAbsent(mode, m -> new AtomicLong()).incrementAndGet();
    return run;
  }

  /** Ends the run's current leg now. */
  void end(WorkflowRun run, WorkflowScript.Terminal terminal) {
    endAt(run, terminal, clock.instant());
  }

  /** Ends the run's current leg at {@code when} on the sandbox clock; registers a new interrupt. */
  void endAt(WorkflowRun run, WorkflowScript.Terminal terminal, Instant when) {
    String eventId = null;
    if (terminal instanceof WorkflowScript.Ask) {
      eventId = random.decimalId() + "/" + random.decimalId();
      byEventId.put(eventId, run);
    }
    run.endAt(terminal, eventId, when);
  }

  /** The run, or {@code null}. */
  WorkflowRun byExecuteId(String executeId) {
    return byExecuteId.get(executeId);
  }

  /** The run that ever interrupted with {@code eventId}, or {@code null}. */
  WorkflowRun byEventId(String eventId) {
    return byEventId.get(eventId);
  }

  void countResume(boolean stream) {
    (stream ? streamResumes : resumes).incrementAndGet();
  }

  void countHistoryQuery() {
    historyQueries.incrementAndGet();
  }

  void countRejection() {
    rejections.incrementAndGet();
  }

  void recordDisconnect(WorkflowRun run, int eventsSent) {
    disconnects.add(new StreamDisconnect(run.workflowId(), run.executeId(), eventsSent));
  }

  List<StreamDisconnect> disconnects() {
    return List.copyOf(disconnects);
  }

  WorkflowStats stats() {
    return new WorkflowStats(
        modeCount(WorkflowRun.Mode.SYNC),
        modeCount(WorkflowRun.Mode.STREAM),
        modeCount(WorkflowRun.Mode.ASYNC),
        resumes.get(),
        streamResumes.get(),
        historyQueries.get(),
        rejections.get(),
        disconnects.size(),
        runsByWorkflow.entrySet().stream()
            .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> e.getValue().get())));
  }

  private long modeCount(WorkflowRun.Mode mode) {
    AtomicLong count = runsByMode.get(mode);
    return count == null ? 0 : count.get();
  }
}
