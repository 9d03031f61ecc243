package dev.cozegateway.adapters.web;

import java.time.Duration;

/**
 * Counts the callbacks in progress, so that shutdown can wait for them and no longer than that.
 * (The JDK server's own {@code stop(delay)} waits out the whole delay.) Thread-safe.
 */
final class InFlight {
  private int count;
  private boolean closed;

  /** Admits one request, unless shutdown has begun. */
  synchronized boolean enter() {
    if (closed) {
      return false;
    }
    count++;
    return true;
  }

  synchronized void exit() {
    count--;
    notifyAll();
  }

  /** Admits no more requests, and waits up to {@code max} for those in progress to finish. */
  synchronized boolean closeAndAwait(Duration max) throws InterruptedException {
    closed = true;
    long deadline = System.nanoTime() + max.toNanos();
    while (count > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }
}
