package dev.cozegateway.sandbox;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test hook that holds {@code refresh_token} grant requests before they are processed: while on,
 * each such request waits here before its refresh token is looked up or rotated. Turning it off
 * either lets the held requests proceed, or drops them: each closes its exchange with no response,
 * as a request that never reached Coze. Requests arriving after it is off are not held.
 * Thread-safe.
 */
final class RefreshHold {
  /** What a held request does once let go. */
  enum Verdict {
    PROCEED,
    DROP
  }

  private final AtomicInteger held = new AtomicInteger();
  // The gate the current held requests wait on; null while the hold is off.
  private CompletableFuture<Verdict> gate;

  /** Turns the hold on; requests from now on wait. Idempotent. */
  synchronized void hold() {
    if (gate == null) {
      gate = new CompletableFuture<>();
    }
  }

  /** Turns the hold off; the held requests proceed ({@code drop} false) or are dropped. */
  synchronized void release(boolean drop) {
    if (gate != null) {
      gate.complete(drop ? Verdict.DROP : Verdict.PROCEED);
      gate = null;
    }
  }

  synchronized boolean enabled() {
    return gate != null;
  }

  /** How many requests are waiting here now. */
  int held() {
    return held.get();
  }

  /**
   * Called by a refresh request before anything else: returns at once while the hold is off,
   * otherwise when it is turned off. An interrupted wait (the sandbox closing) drops the request.
   */
  Verdict await() {
    CompletableFuture<Verdict> current;
    synchronized (this) {
      current = gate;
    }
    if (current == null) {
      return Verdict.PROCEED;
    }
    held.incrementAndGet();
    try {
      return current.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Verdict.DROP;
    } catch (ExecutionException e) {
      return Verdict.DROP;
    } finally {
      held.decrementAndGet();
    }
  }
}
