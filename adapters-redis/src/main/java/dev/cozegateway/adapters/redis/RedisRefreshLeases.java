package dev.cozegateway.adapters.redis;

import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.port.RefreshLeases;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.params.SetParams;

/**
 * Refresh leases in Redis, shared by every replica on the same server and key prefix. A lease is a
 * string beside the connection's record, under the tenant's hash tag ({@link Keys#refreshLease}),
 * holding its holder's owner token (128 random bits, hex) with a TTL:
 *
 * <ul>
 *   <li>acquire: {@code SET key owner NX PX ttl}, so of any number of replicas one gets it;
 *   <li>renew: {@link Scripts#RENEW_LEASE}, a PEXPIRE only while the key holds our owner;
 *   <li>release: {@link Scripts#RELEASE_LEASE}, a DEL only while the key holds our owner.
 * </ul>
 *
 * <p>Renewal: while a lease is held it is renewed every third of its TTL on the store's renewal
 * thread ({@link RedisStore#renewals()}, stopped by {@link RedisStore#close()}). So a live holder
 * keeps its lease through a slow Coze call, and a dead one's lapses within a TTL. A renewal that
 * finds the key gone or another holder's marks the lease lost for good and stops renewing it. A
 * renewal that cannot reach Redis is tried again at the next tick, until the lease's own deadline
 * has passed: the start of its last successful SET or renewal plus the TTL, on this process's
 * monotonic clock. Since Redis set its expiry after that start, the deadline never falls after
 * Redis's, so {@link RefreshLease#isHeld()}, false once the lease is lost, closed or past that
 * deadline, never claims a lease Redis has dropped (unless the two clocks run at different rates).
 *
 * <p>Failures: {@link #tryAcquire} fails closed with {@code STORE_UNAVAILABLE}, since a refresh
 * without the store could be neither coordinated nor persisted. {@link RefreshLease#close()} never
 * throws: it ends a refresh that is already done, whose result a failed release must not hide; a
 * lease it cannot release expires by its TTL. Renewal failures are logged by {@link RedisStore};
 * lost leases are logged at WARN, by connection name only.
 *
 * <p>All renewals share one thread, so one that waits out a Redis timeout delays the others; the
 * store's socket timeout (2 s by default) should stay well under a third of the lease TTL (15 s in
 * the application). Thread-safe.
 */
final class RedisRefreshLeases implements RefreshLeases {
  private static final Logger log = LoggerFactory.getLogger(RedisRefreshLeases.class);
  private static final int OWNER_BYTES = 16;
  private static final Long ONE = 1L;

  private final RedisStore store;
  private final Keys keys;
  private final ScheduledExecutorService renewals;
  private final SecureRandom random = new SecureRandom();

  /** Leases renewed on the store's renewal thread. */
  RedisRefreshLeases(RedisStore store) {
    this(store, store.renewals());
  }

  /**
   * Leases renewed on the given scheduler, which the caller owns. For tests: shutting it down stops
   * renewal without releasing anything, as if the holder had died.
   */
  RedisRefreshLeases(RedisStore store, ScheduledExecutorService renewals) {
    this.store = Objects.requireNonNull(store, "store");
    this.keys = store.keys();
    this.renewals = Objects.requireNonNull(renewals, "renewals");
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if {@code ttl} is under a millisecond
   */
  @Override
  public Optional<RefreshLease> tryAcquire(ConnectionName connection, Duration ttl) {
    Objects.requireNonNull(connection, "connection");
    if (ttl.toMillis() < 1) {
      throw new IllegalArgumentException("a lease's ttl must be at least 1 ms, got " + ttl);
    }
    String key = keys.refreshLease(connection);
    String owner = newOwner();
    SetParams ifAbsent = SetParams.setParams().nx().px(ttl.toMillis());
    long start = System.nanoTime();
    String taken = store.call("acquire refresh lease", redis -> redis.set(key, owner, ifAbsent));
    if (taken == null) {
      return Optional.empty();
    }
    Lease lease = new Lease(connection, key, owner, ttl, start);
    lease.startRenewing();
    return Optional.of(lease);
  }

  private String newOwner() {
    byte[] owner = new byte[OWNER_BYTES];
    random.nextBytes(owner);
    return HexFormat.of().formatHex(owner);
  }

  private enum State {
    HELD,
    LOST,
    CLOSED
  }

  private final class Lease implements RefreshLease {
    private final ConnectionName connection;
    private final String key;
    private final String owner;
    private final String ttlMillis;
    private final long ttlNanos;
    private final AtomicReference<State> state = new AtomicReference<>(State.HELD);
    // System.nanoTime() by which the lease lapses unless renewed; written by the renewal thread.
    private volatile long deadline;
    private volatile ScheduledFuture<?> renewal;

    Lease(ConnectionName connection, String key, String owner, Duration ttl, long takenAt) {
      this.connection = connection;
      this.key = key;
      this.owner = owner;
      this.ttlMillis = Long.toString(ttl.toMillis());
      this.ttlNanos = TimeUnit.MILLISECONDS.toNanos(ttl.toMillis());
      this.deadline = takenAt + ttlNanos;
    }

    @Override
    public ConnectionName connection() {
      return connection;
    }

    @Override
    public boolean isHeld() {
      return state.get() == State.HELD && System.nanoTime() - deadline < 0;
    }

    @Override
    public void close() {
      if (state.getAndSet(State.CLOSED) == State.CLOSED) {
        return;
      }
      stopRenewing();
      // Even a lease this holder lost may still be its own in Redis (it lapsed here first):
      // compare-and-delete releases it then, and touches nothing otherwise.
      try {
        store.run(Scripts.RELEASE_LEASE, List.of(key), List.of(owner));
      } catch (GatewayException.Unavailable e) {
        log.warn("Could not release the refresh lease of {}; it expires by its TTL", connection);
      }
    }

    void startRenewing() {
      long every = Math.max(1, ttlNanos / 3);
      try {
        renewal = renewals.scheduleAtFixedRate(this::renew, every, every, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // The store closed while we took the lease: give it back, and fail as a closed store does.
        close();
        throw RedisStore.unavailable(e);
      }
      // A renewal may have lost the lease before the future was stored for it to cancel.
      if (state.get() != State.HELD) {
        stopRenewing();
      }
    }

    /** One renewal; never throws, since a periodic task that throws is silently never run again. */
    private void renew() {
      if (state.get() != State.HELD) {
        stopRenewing();
        return;
      }
      long start = System.nanoTime();
      if (start - deadline >= 0) {
        lose("it expired before it could be renewed");
        return;
      }
      try {
        Object renewed = store.run(Scripts.RENEW_LEASE, List.of(key), List.of(owner, ttlMillis));
        if (ONE.equals(renewed)) {
          deadline = start + ttlNanos;
        } else {
          lose("it expired or another holder took it");
        }
      } catch (RuntimeException e) {
        // Unreachable Redis (logged by the store), or a reply we did not expect: retried at the
        // next tick, which finds the deadline passed if no renewal succeeds in time.
        if (!(e instanceof GatewayException.Unavailable)) {
          log.warn("Renewing the refresh lease of {} failed", connection, e);
        }
      }
    }

    private void lose(String why) {
      if (state.compareAndSet(State.HELD, State.LOST)) {
        log.warn("Lost the refresh lease of {}: {}", connection, why);
      }
      stopRenewing();
    }

    private void stopRenewing() {
      ScheduledFuture<?> scheduled = renewal;
      if (scheduled != null) {
        scheduled.cancel(false);
      }
    }
  }
}
