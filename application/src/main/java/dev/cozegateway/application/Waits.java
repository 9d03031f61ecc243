package dev.cozegateway.application;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How the use cases wait: for a store to come back, for another caller's result. An interrupt or a
 * timeout ends the wait as {@link GatewayException.Unavailable}, the one failure a client may
 * retry.
 */
final class Waits {
  private Waits() {}

  /**
   * Sleeps {@code pause}.
   *
   * @param reason the reason of the failure an interrupt turns into
   * @param what what was waited for, for the message ("a token refresh")
   */
  static void pause(Duration pause, Reason reason, String what) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GatewayException.Unavailable(
          reason, "interrupted while waiting for " + what, Map.of(), e);
    }
  }

  /** Twice {@code pause}, at most {@code max}: the next pause of a backoff. */
  static Duration doubled(Duration pause, Duration max) {
    Duration twice = pause.multipliedBy(2);
    return twice.compareTo(max) > 0 ? max : twice;
  }

  /**
   * The result of another caller's work, waited for at most {@code atMost}; its failure is rethrown
   * as it was.
   */
  static <T> T await(CompletableFuture<T> future, Duration atMost, String what) {
    try {
      return future.get(atMost.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new GatewayException.Unavailable(
          Reason.COZE_UNAVAILABLE, "timed out waiting for " + what, Map.of(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GatewayException.Unavailable(
          Reason.COZE_UNAVAILABLE, "interrupted while waiting for " + what, Map.of(), e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw (Error) e.getCause();
    }
  }
}
