package dev.cozegateway.application;

import dev.cozegateway.domain.port.CozeWorkflows;

/**
 * Lets the caller's side (a cancelled gRPC call, a passed deadline) or a {@code CancelWorkflowRun}
 * stop a relay: cancelling closes the stream to Coze, so that Coze sees the client go away.
 * Thread-safe.
 */
public final class RunHandle {
  private volatile boolean cancelled;
  private CozeWorkflows.EventStream stream;

  /** Stops the relay; idempotent. */
  public void cancel() {
    CozeWorkflows.EventStream open;
    synchronized (this) {
      cancelled = true;
      open = stream;
    }
    if (open != null) {
      open.close();
    }
  }

  public boolean isCancelled() {
    return cancelled;
  }

  /** The relay's stream to Coze; closed at once if the handle is already cancelled. */
  void attach(CozeWorkflows.EventStream opened) {
    boolean closeNow;
    synchronized (this) {
      stream = opened;
      closeNow = cancelled;
    }
    if (closeNow) {
      opened.close();
    }
  }
}
