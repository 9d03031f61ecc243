package dev.cozegateway.application;

import dev.cozegateway.domain.CozeApiException;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunError;
import dev.cozegateway.domain.WorkflowRunMode;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.WorkflowUsage;
import dev.cozegateway.domain.port.CozeWorkflows;
import dev.cozegateway.domain.port.CozeWorkflows.RunHistory;
import dev.cozegateway.domain.port.WorkflowRunStore;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;

/**
 * The gateway's background work on runs, safe to run in every replica at once:
 *
 * <ul>
 *   <li>polls Coze's run history for async runs that are due, with a doubling pause, and records
 *       their outcome. Each poll is claimed first by compare-and-set on the run (which pushes its
 *       check time out by {@link WorkflowSettings#pollClaim()}), so one replica polls it, and a
 *       replica that dies mid-poll leaves it to another once the claim runs out;
 *   <li>fails the runs left unfinished past their deadline by a process that died (a sync or stream
 *       run still RUNNING, a run never sent to Coze), and async runs that Coze did not finish
 *       within {@link WorkflowSettings#asyncTimeout()};
 *   <li>deletes runs that ended longer than {@link WorkflowSettings#retention()} ago (at most once
 *       a {@link #RETENTION_EVERY}).
 * </ul>
 */
public final class WorkflowRunSweep {
  /** How often a sweep also deletes the runs past their retention. */
  static final Duration RETENTION_EVERY = Duration.ofMinutes(1);

  /** Runs handled per pass of {@link #execute()}. */
  static final int BATCH = 100;

  /** Why a run left by a dead process was failed. */
  public static final String RUN_ABANDONED = "RUN_ABANDONED";

  /** Why an async run Coze did not finish in time was failed. */
  public static final String RUN_TIMED_OUT = "RUN_TIMED_OUT";

  private static final System.Logger log = System.getLogger(WorkflowRunSweep.class.getName());

  /**
   * What one pass did.
   *
   * @param polled async runs polled at Coze
   * @param finished runs that ended in this pass (by a poll, a deadline or a timeout)
   * @param abandoned runs failed because the process running them died
   * @param deleted runs deleted after the retention period
   */
  public record Report(int polled, int finished, int abandoned, int deleted) {}

  private final WorkflowRunStore runs;
  private final WorkflowRunRecords records;
  private final WorkflowCalls calls;
  private final CozeWorkflows coze;
  private final InstantSource clock;
  // When this process next deletes expired runs (two passes racing both delete: harmless).
  private volatile Instant nextRetention;
  private final WorkflowSettings settings;

  WorkflowRunSweep(
      WorkflowRunStore runs,
      WorkflowRunRecords records,
      WorkflowCalls calls,
      CozeWorkflows coze,
      InstantSource clock,
      WorkflowSettings settings) {
    this.runs = runs;
    this.records = records;
    this.calls = calls;
    this.coze = coze;
    this.clock = clock;
    this.settings = settings;
  }

  public Report execute() {
    int polled = 0;
    int finished = 0;
    int abandoned = 0;
    List<WorkflowRun> due = runs.findDue(clock.instant(), BATCH);
    for (WorkflowRun run : due) {
      try {
        if (isPollable(run)) {
          Instant now = clock.instant();
          if (now.isAfter(run.createTime().plus(settings.asyncTimeout()))) {
            finished += fail(run, RUN_TIMED_OUT, timedOutMessage()) ? 1 : 0;
            continue;
          }
          WorkflowRun claimed =
              records.updateIfUnchanged(run, b -> b.checkTime(now.plus(settings.pollClaim())));
          if (claimed == null) {
            continue; // another replica claimed it, or it was cancelled
          }
          polled++;
          finished += poll(claimed).isTerminal() ? 1 : 0;
        } else if (!run.isTerminal() && run.state() != WorkflowRunState.INTERRUPTED) {
          if (fail(run, RUN_ABANDONED, abandonedMessage(run))) {
            abandoned++;
            finished++;
            log.log(
                Level.WARNING,
                "workflow run {0} ({1}, {2}) was left unfinished past its deadline; marked FAILED",
                run.name(),
                run.mode(),
                run.state());
          }
        }
      } catch (GatewayException.Unavailable e) {
        log.log(Level.WARNING, "workflow run sweep: {0} skipped: {1}", run.name(), e.getMessage());
      }
    }
    int deleted = 0;
    Instant now = clock.instant();
    if (nextRetention == null || !now.isBefore(nextRetention)) {
      // Retention is measured in days: a pass a minute is plenty, and spares the store a scan of
      // every tenant at each sweep.
      nextRetention = now.plus(RETENTION_EVERY);
      deleted = runs.deleteExpired(now.minus(settings.retention()), BATCH);
    }
    return new Report(polled, finished, abandoned, deleted);
  }

  private static boolean isPollable(WorkflowRun run) {
    return run.mode() == WorkflowRunMode.ASYNC
        && run.state() == WorkflowRunState.RUNNING
        && !run.executeId().isEmpty();
  }

  /** Asks Coze about a claimed async run and records what it says. */
  private WorkflowRun poll(WorkflowRun claimed) {
    RunHistory history;
    try {
      history =
          calls.call(
              claimed,
              (app, token) -> coze.history(app, token, claimed.workflowId(), claimed.executeId()));
    } catch (GatewayException.Unavailable e) {
      return reschedule(claimed);
    } catch (CozeApiException e) {
      GatewayException translated = WorkflowCalls.translate(e);
      if (translated instanceof GatewayException.Unavailable) {
        return reschedule(claimed);
      }
      return records.settle(
          claimed,
          b ->
              b.state(WorkflowRunState.FAILED)
                  .error(WorkflowCalls.runError(e))
                  .logId(e.logId())
                  .checkTime(null));
    } catch (GatewayException e) {
      // The connection cannot be used any more (deleted, needs reauthorization).
      return records.settle(
          claimed,
          b -> b.state(WorkflowRunState.FAILED).error(WorkflowCalls.runError(e)).checkTime(null));
    }
    WorkflowUsage usage = history.usage() == null ? WorkflowUsage.NONE : history.usage();
    return switch (history.status()) {
      case SUCCESS ->
          records.settle(
              claimed,
              b ->
                  b.state(WorkflowRunState.SUCCEEDED)
                      .output(RunWorkflow.nullToEmpty(history.output()))
                      .usage(usage)
                      .debugUrl(orKeep(history.debugUrl(), claimed.debugUrl()))
                      .logId(RunWorkflow.nullToEmpty(history.logId()))
                      .checkTime(null));
      case FAIL ->
          records.settle(
              claimed,
              b ->
                  b.state(WorkflowRunState.FAILED)
                      .error(
                          new WorkflowRunError(
                              Reason.WORKFLOW_FAILED.name(),
                              "Coze reported the run failed: "
                                  + RunWorkflow.nullToEmpty(history.errorMessage()),
                              RunWorkflow.nullToEmpty(history.errorCode()),
                              RunWorkflow.nullToEmpty(history.logId())))
                      .usage(usage)
                      .debugUrl(orKeep(history.debugUrl(), claimed.debugUrl()))
                      .logId(RunWorkflow.nullToEmpty(history.logId()))
                      .checkTime(null));
      case RUNNING ->
          history.interrupt() != null
              ? records.settle(
                  claimed,
                  b ->
                      b.state(WorkflowRunState.INTERRUPTED)
                          .interrupt(history.interrupt())
                          .usage(usage)
                          .logId(RunWorkflow.nullToEmpty(history.logId()))
                          .checkTime(null))
              : reschedule(claimed);
    };
  }

  private WorkflowRun reschedule(WorkflowRun claimed) {
    int polls = claimed.pollCount() + 1;
    return records.settle(
        claimed,
        b -> b.pollCount(polls).checkTime(clock.instant().plus(settings.pollPause(polls))));
  }

  private boolean fail(WorkflowRun run, String reason, String message) {
    WorkflowRun failed =
        records.updateIfUnchanged(
            run,
            b ->
                b.state(WorkflowRunState.FAILED)
                    .error(new WorkflowRunError(reason, message, "", ""))
                    .checkTime(null));
    return failed != null;
  }

  private String timedOutMessage() {
    return "Coze did not finish the async run within " + settings.asyncTimeout().toHours() + " h";
  }

  private static String abandonedMessage(WorkflowRun run) {
    return run.state() == WorkflowRunState.PENDING
        ? "the gateway process that recorded the run stopped before sending it to Coze"
        : "the gateway process running it stopped before it finished; the workflow may still have"
            + " finished at Coze";
  }

  private static String orKeep(String value, String current) {
    return value == null || value.isEmpty() ? current : value;
  }
}
