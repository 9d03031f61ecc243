package dev.cozegateway.domain.testing;

import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.port.RefreshLeases;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link RefreshLeases} in memory, on a clock tests control: a lease expires when the clock passes
 * its deadline (there is no background renewal here; {@link #renewAll} stands in for it). Several
 * instances may share one {@link Shared} state, as replicas share a store. Thread-safe.
 */
public final class InMemoryRefreshLeases implements RefreshLeases {

  /** The state replicas share, like the store. */
  public static final class Shared {
    private final Map<ConnectionName, Holder> holders = new HashMap<>();
    private final AtomicInteger owners = new AtomicInteger();
  }

  private record Holder(int owner, Instant deadline) {}

  private final AtomicInteger attempts = new AtomicInteger();

  private final Shared shared;
  private final InstantSource clock;

  public InMemoryRefreshLeases(InstantSource clock) {
    this(new Shared(), clock);
  }

  public InMemoryRefreshLeases(Shared shared, InstantSource clock) {
    this.shared = shared;
    this.clock = clock;
  }

  @Override
  public Optional<RefreshLease> tryAcquire(ConnectionName connection, Duration ttl) {
    attempts.incrementAndGet();
    synchronized (shared) {
      Holder current = shared.holders.get(connection);
      Instant now = clock.instant();
      if (current != null && now.isBefore(current.deadline())) {
        return Optional.empty();
      }
      int owner = shared.owners.incrementAndGet();
      shared.holders.put(connection, new Holder(owner, now.plus(ttl)));
      return Optional.of(new Lease(connection, owner));
    }
  }

  /** How many times this instance was asked for a lease. */
  public int attempts() {
    return attempts.get();
  }

  /** Whether anyone holds the connection's lease now. */
  public boolean isHeld(ConnectionName connection) {
    synchronized (shared) {
      Holder current = shared.holders.get(connection);
      return current != null && clock.instant().isBefore(current.deadline());
    }
  }

  /** Extends every live lease by {@code ttl} from now, as background renewal would. */
  public void renewAll(Duration ttl) {
    synchronized (shared) {
      Instant now = clock.instant();
      shared.holders.replaceAll(
          (name, holder) ->
              now.isBefore(holder.deadline()) ? new Holder(holder.owner(), now.plus(ttl)) : holder);
    }
  }

  private final class Lease implements RefreshLease {
    private final ConnectionName connection;
    private final int owner;

    Lease(ConnectionName connection, int owner) {
      this.connection = connection;
      this.owner = owner;
    }

    @Override
    public ConnectionName connection() {
      return connection;
    }

    @Override
    public boolean isHeld() {
      synchronized (shared) {
        Holder current = shared.holders.get(connection);
        return current != null
            && current.owner() == owner
            && clock.instant().isBefore(current.deadline());
      }
    }

    @Override
    public void close() {
      synchronized (shared) {
        Holder current = shared.holders.get(connection);
        if (current != null && current.owner() == owner) {
          shared.holders.remove(connection);
        }
      }
    }
  }
}
