package dev.cozegateway.adapters.embedded;

import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.port.RefreshLeases;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@link RefreshLeases} for the embedded store, which one process owns (MVStore locks its file):
 * the leases live in this process's memory. They expire after their time to live, measured on the
 * given clock, and are released on close. Thread-safe.
 */
final class LocalRefreshLeases implements RefreshLeases {
  private record Holder(long owner, Instant deadline) {}

  private final InstantSource clock;
  private final Map<ConnectionName, Holder> holders = new HashMap<>();
  private long nextOwner;

  LocalRefreshLeases(InstantSource clock) {
    this.clock = clock;
  }

  @Override
  public synchronized Optional<RefreshLease> tryAcquire(ConnectionName connection, Duration ttl) {
    Instant now = clock.instant();
    Holder current = holders.get(connection);
    if (current != null && now.isBefore(current.deadline())) {
      return Optional.empty();
    }
    long owner = ++nextOwner;
    holders.put(connection, new Holder(owner, now.plus(ttl)));
    return Optional.of(new Lease(connection, owner));
  }

  private synchronized boolean holds(ConnectionName connection, long owner) {
    Holder current = holders.get(connection);
    return current != null
        && current.owner() == owner
        && clock.instant().isBefore(current.deadline());
  }

  private synchronized void release(ConnectionName connection, long owner) {
    Holder current = holders.get(connection);
    if (current != null && current.owner() == owner) {
      holders.remove(connection);
    }
  }

  private final class Lease implements RefreshLease {
    private final ConnectionName connection;
    private final long owner;

    Lease(ConnectionName connection, long owner) {
      this.connection = connection;
      this.owner = owner;
    }

    @Override
    public ConnectionName connection() {
      return connection;
    }

    @Override
    public boolean isHeld() {
      return holds(connection, owner);
    }

    @Override
    public void close() {
      release(connection, owner);
    }
  }
}
