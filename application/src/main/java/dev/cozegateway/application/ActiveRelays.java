package dev.cozegateway.application;

import dev.cozegateway.domain.WorkflowRunName;
import java.util.concurrent.ConcurrentHashMap;

/** The runs this process is relaying right now, so that a cancel reaches their streams. */
final class ActiveRelays {
  private final ConcurrentHashMap<WorkflowRunName, RunHandle> relays = new ConcurrentHashMap<>();

  void register(WorkflowRunName run, RunHandle handle) {
    relays.put(run, handle);
  }

  void unregister(WorkflowRunName run, RunHandle handle) {
    relays.remove(run, handle);
  }

  /** Cancels the run's relay if this process has one; returns whether it had. */
  boolean cancel(WorkflowRunName run) {
    RunHandle handle = relays.get(run);
    if (handle == null) {
      return false;
    }
    handle.cancel();
    return true;
  }
}
