package dev.cozegateway.sandbox;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The workflow test hooks: forced business errors, one forced in-stream error, and whether async
 * runs are allowed. Thread-safe; each armed error is taken by exactly one call.
 */
final class WorkflowHooks {
  /** An in-stream {@code Error} to send once {@code afterEvents} events went out. */
  record StreamError(int code, String message, int afterEvents) {}

  private record Forced(int code, int remaining) {}

  private final AtomicReference<Forced> forced = new AtomicReference<>();
  private final AtomicReference<StreamError> streamError = new AtomicReference<>();
  private final AtomicBoolean asyncAllowed;

  WorkflowHooks(boolean asyncAllowed) {
    this.asyncAllowed = new AtomicBoolean(asyncAllowed);
  }

  /** The next {@code times} workflow calls answer {@code code}; replaces any earlier setting. */
  void forceErrors(int code, int times) {
    forced.set(times > 0 ? new Forced(code, times) : null);
  }

  /** How many forced answers are left. */
  int pendingForcedErrors() {
    Forced current = forced.get();
    return current == null ? 0 : current.remaining();
  }

  /** Takes one forced answer, or returns {@code null} if none is armed. */
  BusinessException takeForcedError() {
    while (true) {
      Forced current = forced.get();
      if (current == null) {
        return null;
      }
      Forced next =
          current.remaining() > 1 ? new Forced(current.code(), current.remaining() - 1) : null;
      if (forced.compareAndSet(current, next)) {
        return BusinessException.of(current.code());
      }
    }
  }

  /** Arms an in-stream error for the next stream run or stream resume; replaces an armed one. */
  void forceStreamError(StreamError error) {
    streamError.set(error);
  }

  /** Takes the armed in-stream error, or returns {@code null}. */
  StreamError takeStreamError() {
    return streamError.getAndSet(null);
  }

  boolean asyncAllowed() {
    return asyncAllowed.get();
  }

  void setAsyncAllowed(boolean allowed) {
    asyncAllowed.set(allowed);
  }
}
