package dev.cozegateway.application;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunError;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.WorkflowUsage;
import dev.cozegateway.domain.port.CozeWorkflows.Event;
import dev.cozegateway.domain.port.CozeWorkflows.EventStream;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Relays one Coze event stream (a stream run or a stream resume) to the caller and keeps the run
 * record in step: INTERRUPTED at an interrupt, FAILED at an error event, SUCCEEDED at done (with
 * the end node's output, the usage and the debug URL), CANCELLED when the caller goes away or
 * someone cancels the run. Coze sees the client go away when the relay stops early.
 */
final class StreamRelay {
  /** How often a relay looks for a cancel made through another replica. */
  private static final Duration CANCEL_CHECK = Duration.ofSeconds(1);

  private final WorkflowRunRecords records;
  private final ActiveRelays active;

  StreamRelay(WorkflowRunRecords records, ActiveRelays active) {
    this.records = records;
    this.active = active;
  }

  /**
   * Opens the stream with {@code open} and relays it to the end. A failure to open (Coze's error
   * envelope, an unreachable Coze) is recorded on the run and thrown; anything after that is
   * recorded and sent as an error event.
   *
   * @return the run as recorded at the end
   */
  WorkflowRun relay(
      WorkflowRun running, Supplier<EventStream> open, RunEvents sink, RunHandle handle) {
    active.register(running.name(), handle);
    try {
      EventStream stream;
      try {
        stream = open.get();
      } catch (RuntimeException e) {
        if (handle.isCancelled()) {
          return stopped(running, sink, 0, false);
        }
        records.recordFailure(running, e);
        throw WorkflowCalls.forCaller(e);
      }
      handle.attach(stream);
      try (stream) {
        return pump(running, stream, sink, handle);
      }
    } finally {
      active.unregister(running.name(), handle);
    }
  }

  private WorkflowRun pump(
      WorkflowRun running, EventStream stream, RunEvents sink, RunHandle handle) {
    WorkflowRun run = running;
    String output = "";
    WorkflowUsage usage = WorkflowUsage.NONE;
    boolean ended = false; // interrupted or failed: later events are not relayed
    long lastId = -1;
    long nextCancelCheck = System.nanoTime() + CANCEL_CHECK.toNanos();
    try {
      for (Event event = stream.next(); event != null; event = stream.next()) {
        lastId = event.id();
        if (System.nanoTime() - nextCancelCheck > 0) {
          nextCancelCheck = System.nanoTime() + CANCEL_CHECK.toNanos();
          WorkflowRun stored = records.require(run.name());
          if (stored.state() == WorkflowRunState.CANCELLED) {
            handle.cancel();
            return stopped(stored, sink, lastId, ended);
          }
        }
        if (handle.isCancelled()) {
          return stopped(run, sink, lastId, ended);
        }
        if (ended) {
          continue;
        }
        if (event instanceof Event.Message message) {
          output = message.content() == null ? "" : message.content();
          if (message.usage() != null) {
            usage = message.usage();
          }
          sink.event(message);
        } else if (event instanceof Event.Interrupt interrupt) {
          String soFar = output;
          WorkflowUsage used = usage;
          run =
              records.settle(
                  run,
                  b ->
                      b.state(WorkflowRunState.INTERRUPTED)
                          .interrupt(interrupt.interrupt())
                          .output(soFar)
                          .usage(used)
                          .logId(stream.logId())
                          .checkTime(null));
          sink.event(interrupt);
          ended = true;
        } else if (event instanceof Event.Error error) {
          WorkflowRunError failure =
              new WorkflowRunError(
                  Reason.WORKFLOW_FAILED.name(),
                  "Coze reported error " + error.code() + ": " + error.message(),
                  Integer.toString(error.code()),
                  stream.logId());
          run = recordFailed(run, failure);
          sink.failed(error.id(), failure);
          ended = true;
        } else if (event instanceof Event.Done done) {
          String finalOutput = output;
          WorkflowUsage used = usage;
          run =
              records.settle(
                  run,
                  b ->
                      b.state(WorkflowRunState.SUCCEEDED)
                          .output(finalOutput)
                          .usage(used)
                          .debugUrl(RunWorkflow.nullToEmpty(done.debugUrl()))
                          .logId(stream.logId())
                          .checkTime(null));
          sink.event(done);
          ended = true;
        }
      }
    } catch (GatewayException.Unavailable e) {
      if (handle.isCancelled()) {
        return stopped(run, sink, lastId + 1, ended);
      }
      if (!ended) {
        WorkflowRunError failure =
            new WorkflowRunError(e.reason().name(), e.getMessage(), "", stream.logId());
        run = recordFailed(run, failure);
        sink.failed(lastId + 1, failure);
      }
      return run;
    }
    if (handle.isCancelled()) {
      return stopped(run, sink, lastId + 1, ended);
    }
    if (!ended) {
      WorkflowRunError failure =
          new WorkflowRunError(
              Reason.COZE_UNAVAILABLE.name(),
              "Coze's event stream ended before the run finished",
              "",
              stream.logId());
      run = recordFailed(run, failure);
      sink.failed(lastId + 1, failure);
    }
    return run;
  }

  private WorkflowRun recordFailed(WorkflowRun run, WorkflowRunError failure) {
    return records.settle(
        run, b -> b.state(WorkflowRunState.FAILED).error(failure).interrupt(null).checkTime(null));
  }

  /**
   * The relay stopped because the caller went away or the run was cancelled: the run is recorded
   * CANCELLED and, unless it had already ended, the stream ends with an error event saying so, as
   * every stream ends with a done, interrupt or error event. A caller that went away gets nothing.
   */
  private WorkflowRun stopped(WorkflowRun run, RunEvents sink, long nextId, boolean ended) {
    WorkflowRun stopped = cancelled(run);
    if (!ended && stopped.state() == WorkflowRunState.CANCELLED) {
      sink.failed(nextId, stopped.error());
    }
    return stopped;
  }

  /** The caller went away, or the run was cancelled: Coze's stream is closed by now. */
  private WorkflowRun cancelled(WorkflowRun run) {
    return records.settle(
        records.require(run.name()),
        b ->
            b.state(WorkflowRunState.CANCELLED)
                .error(CancelWorkflowRun.CANCELLED)
                .interrupt(null)
                .checkTime(null));
  }
}
