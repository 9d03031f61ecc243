package dev.cozegateway.application;

import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.AuthorizationState;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Follows an authorization until it ends: sends its current view, then each change (of state,
 * error, or a device authorization's poll interval), and returns after a terminal one. Changes made
 * in any replica are seen, since it reads the store. Blocks the calling thread.
 */
public final class WatchAuthorization {
  /** How often the store is read while nothing changes. */
  static final Duration POLL = Duration.ofMillis(200);

  private final GetAuthorization get;

  WatchAuthorization(GetAuthorization get) {
    this.get = get;
  }

  /**
   * @param sink receives each distinct view, in order
   * @param cancelled checked between reads: the caller went away
   */
  public void execute(
      AuthorizationName name, Consumer<AuthorizationDetails> sink, BooleanSupplier cancelled) {
    AuthorizationDetails last = null;
    while (!cancelled.getAsBoolean()) {
      AuthorizationDetails now = get.execute(name);
      if (last == null || changed(last, now)) {
        sink.accept(now);
        last = now;
      }
      if (now.authorization().state() != AuthorizationState.PENDING) {
        return;
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static boolean changed(AuthorizationDetails before, AuthorizationDetails after) {
    return before.authorization().state() != after.authorization().state()
        || !Objects.equals(before.authorization().error(), after.authorization().error())
        || !Objects.equals(interval(before), interval(after));
  }

  /** A device authorization's poll interval, which grows at each {@code slow_down}. */
  private static Duration interval(AuthorizationDetails details) {
    return details.authorization().isDevice() ? details.authorization().device().interval() : null;
  }
}
