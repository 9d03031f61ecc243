package dev.cozegateway.application;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.port.ConnectionStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * One pass of the background refresh over every connection, run periodically by each replica.
 *
 * <ul>
 *   <li><b>Proactive refresh</b>: an active connection whose access token is still valid but
 *       expires within {@code window} is refreshed, so that callers rarely wait for Coze.
 *   <li><b>Keep-alive</b>: Coze refresh tokens die after 30 days, so an active connection not
 *       refreshed (nor authorized, if never refreshed) for {@code keepAliveAge} is refreshed once,
 *       however fresh or stale its access token.
 * </ul>
 *
 * <p>Every refresh goes through {@link GetAccessToken}: single-flight with request-path callers in
 * this process, the connection's lease across replicas, and compare-and-set on the version. So
 * replicas sweeping at once still refresh each token once. A failure on one connection (Coze
 * rejects the refresh token, Coze or the store is unavailable) is counted and the sweep goes on.
 */
public final class RefreshSweep {

  /**
   * @param visited connections seen
   * @param refreshed access tokens this run refreshed because they were about to expire
   * @param keptAlive idle connections this run refreshed to keep their refresh token alive
   * @param failed connections whose refresh failed (see the connection's state, or retry next run)
   */
  public record Report(long visited, long refreshed, long keptAlive, long failed) {
    /** Whether the run refreshed anything or failed anywhere. */
    public boolean didSomething() {
      return refreshed > 0 || keptAlive > 0 || failed > 0;
    }
  }

  private final ConnectionStore connections;
  private final GetAccessToken getAccessToken;
  private final InstantSource clock;
  private final Duration window;
  private final Duration keepAliveAge;

  /**
   * @param window refresh access tokens expiring within this; positive, at most {@link
   *     GetAccessToken#MAX_MIN_REMAINING}
   * @param keepAliveAge refresh connections whose last refresh is older than this; positive
   */
  public RefreshSweep(
      ConnectionStore connections,
      GetAccessToken getAccessToken,
      InstantSource clock,
      Duration window,
      Duration keepAliveAge) {
    this.connections = Objects.requireNonNull(connections, "connections");
    this.getAccessToken = Objects.requireNonNull(getAccessToken, "getAccessToken");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (window.isNegative()
        || window.isZero()
        || window.compareTo(GetAccessToken.MAX_MIN_REMAINING) > 0) {
      throw new IllegalArgumentException(
          "window must be positive and at most " + GetAccessToken.MAX_MIN_REMAINING);
    }
    if (keepAliveAge.isNegative() || keepAliveAge.isZero()) {
      throw new IllegalArgumentException("keepAliveAge must be positive");
    }
    this.window = window;
    this.keepAliveAge = keepAliveAge;
  }

  public Report execute() {
    return execute(() -> false);
  }

  /**
   * @param stopRequested checked before each connection; once true, the remaining connections are
   *     only counted as visited. A refresh in progress is never cut short, since Coze may already
   *     have rotated its refresh token.
   */
  public Report execute(BooleanSupplier stopRequested) {
    AtomicLong visited = new AtomicLong();
    AtomicLong refreshed = new AtomicLong();
    AtomicLong keptAlive = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    connections.forEachConnection(
        connection -> {
          visited.incrementAndGet();
          if (connection.state() != ConnectionState.ACTIVE || stopRequested.getAsBoolean()) {
            return;
          }
          try {
            Instant now = clock.instant();
            Instant keepAliveCutoff = now.minus(keepAliveAge);
            if (GetAccessToken.lastRenewal(connection).isBefore(keepAliveCutoff)) {
              if (getAccessToken.refreshUnlessRefreshedSince(connection.name(), keepAliveCutoff)) {
                keptAlive.incrementAndGet();
              }
            } else if (isExpiringSoon(connection, now)
                && getAccessToken.refreshIfExpiringWithin(connection.name(), window)) {
              refreshed.incrementAndGet();
            }
          } catch (GatewayException.NotFound deleted) {
            // Deleted since the store listed it: nothing to refresh.
          } catch (GatewayException e) {
            failed.incrementAndGet();
          }
        });
    return new Report(visited.get(), refreshed.get(), keptAlive.get(), failed.get());
  }

  /**
   * Still valid, but expiring within the window. An expired token is left to the request path and
   * the keep-alive: no caller is relying on it now. So is a token whose whole lifetime fits in the
   * window: refreshing it would only yield another such token, and every run would call Coze again.
   */
  private boolean isExpiringSoon(Connection connection, Instant now) {
    Instant expires = connection.accessTokenExpireTime();
    boolean lifetimeExceedsWindow =
        Duration.between(GetAccessToken.lastRenewal(connection), expires).compareTo(window) > 0;
    return expires.isAfter(now) && !expires.isAfter(now.plus(window)) && lifetimeExceedsWindow;
  }
}
