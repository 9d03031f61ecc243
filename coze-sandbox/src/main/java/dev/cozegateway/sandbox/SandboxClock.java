package dev.cozegateway.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The sandbox's notion of "now": a base time source plus an offset that tests move forward.
 *
 * <p>Every expiry in the sandbox (codes, access and refresh tokens, the absolute {@code
 * expires_in}) is computed from this clock, so advancing it expires things without waiting. Share
 * one instance with the code under test to keep both sides on the same time. Thread-safe.
 */
public final class SandboxClock implements InstantSource {
  private final InstantSource base;
  private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

  /** A clock that follows the system time until advanced. */
  public SandboxClock() {
    this(InstantSource.system());
  }

  /** A clock that follows {@code base} (for example a fixed instant) plus the offset. */
  public SandboxClock(InstantSource base) {
    this.base = Objects.requireNonNull(base, "base");
  }

  /** The base time plus every advance so far. */
  @Override
  public Instant instant() {
    return base.instant().plus(offset.get());
  }

  /**
   * Moves this clock forward.
   *
   * @throws IllegalArgumentException if {@code amount} is negative: time going backwards would
   *     revive expired tokens, which no real server does
   */
  public void advance(Duration amount) {
    Objects.requireNonNull(amount, "amount");
    if (amount.isNegative()) {
      throw new IllegalArgumentException(
          "cannot advance the clock by a negative amount: " + amount);
    }
    offset.accumulateAndGet(amount, Duration::plus);
  }

  /** The total amount this clock has been advanced. */
  public Duration offset() {
    return offset.get();
  }

  @Override
  public String toString() {
    return "SandboxClock[offset=" + offset.get() + "]";
  }
}
