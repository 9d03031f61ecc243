package dev.cozegateway.application;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.port.CozeOAuth.GrantResult;
import dev.cozegateway.domain.port.RefreshLeases;
import dev.cozegateway.domain.port.RefreshLeases.RefreshLease;
import dev.cozegateway.domain.port.SecretVault;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Returns a connection's access token with at least the requested lifetime left, refreshing it
 * first when needed.
 *
 * <p>Coze refresh tokens are single-use, so two refreshes of one connection would burn the second.
 * Within this process refreshes are single-flight: concurrent callers for one connection share one
 * refresh. Across replicas, only the holder of the connection's {@link RefreshLeases lease}
 * redeems; the others wait for its result in the store. The rotated tokens are persisted
 * (compare-and-set on the connection's version, which also fences a holder whose lease lapsed)
 * before any caller gets the new access token. Thread-safe.
 */
public final class GetAccessToken {
  public static final Duration DEFAULT_MIN_REMAINING = Duration.ofSeconds(60);
  public static final Duration MAX_MIN_REMAINING = Duration.ofMinutes(10);
  private static final Duration MAX_WAIT_FOR_REFRESH = Duration.ofSeconds(60);

  /**
   * How long a refresh lease lives unless renewed, by default (config {@code refresh.lease-ttl}).
   * The lease's implementation renews it while the holder is alive, so this bounds how long a dead
   * holder blocks the others.
   */
  public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(15);

  /** The shortest lease TTL allowed: renewals run every third of it. */
  public static final Duration MIN_LEASE_TTL = Duration.ofSeconds(1);

  /** The longest lease TTL allowed: a dead holder blocks its connection's refresh this long. */
  public static final Duration MAX_LEASE_TTL = Duration.ofSeconds(60);

  // How a replica that lost the lease polls the store for the holder's result.
  private static final Duration FIRST_PAUSE = Duration.ofMillis(20);
  private static final Duration MAX_PAUSE = Duration.ofMillis(250);

  /**
   * @param connection the connection
   * @param minRemaining the least lifetime the token must have left; {@code null} for the default
   */
  public record Command(ConnectionName connection, Duration minRemaining) {
    public Command {
      Objects.requireNonNull(connection, "connection");
      if (minRemaining == null) {
        minRemaining = DEFAULT_MIN_REMAINING;
      }
      if (minRemaining.isNegative() || minRemaining.compareTo(MAX_MIN_REMAINING) > 0) {
        throw new GatewayException.InvalidArgument(
            Reason.INVALID_ARGUMENT,
            "min_remaining_lifetime",
            "must be between 0 and " + MAX_MIN_REMAINING.toSeconds() + " seconds");
      }
    }
  }

  /** An access token and when it expires. */
  public record AccessToken(ConnectionName connection, Secret token, Instant expireTime) {}

  private final AppDirectory apps;
  private final ConnectionStore connections;
  private final SecretVault vault;
  private final CozeOAuth coze;
  private final InstantSource clock;
  private final RefreshLeases leases;
  private final Duration leaseTtl;
  private final ConcurrentHashMap<ConnectionName, CompletableFuture<Outcome>> inFlight =
      new ConcurrentHashMap<>();

  GetAccessToken(
      AppDirectory apps,
      ConnectionStore connections,
      SecretVault vault,
      CozeOAuth coze,
      InstantSource clock,
      RefreshLeases leases,
      Duration leaseTtl) {
    Objects.requireNonNull(leaseTtl, "leaseTtl");
    if (leaseTtl.compareTo(MIN_LEASE_TTL) < 0 || leaseTtl.compareTo(MAX_LEASE_TTL) > 0) {
      throw new IllegalArgumentException(
          "lease TTL must be between 1s and 60s, got " + leaseTtl.toMillis() + "ms");
    }
    this.apps = apps;
    this.connections = connections;
    this.vault = vault;
    this.coze = coze;
    this.clock = clock;
    this.leases = leases;
    this.leaseTtl = leaseTtl;
  }

  public AccessToken execute(Command command) {
    Duration minRemaining = command.minRemaining();
    return obtain(command.connection(), c -> isFresh(c, minRemaining)).token();
  }

  /**
   * For the refresh sweep: refreshes the connection if its access token has less than {@code
   * minRemaining} left, exactly as {@link #execute} would.
   *
   * @return whether this call's refresh was persisted (false if the token was fresh enough, or
   *     another caller or replica refreshed it)
   */
  boolean refreshIfExpiringWithin(ConnectionName connection, Duration minRemaining) {
    Command checked = new Command(connection, minRemaining);
    return obtain(connection, c -> isFresh(c, checked.minRemaining())).refreshedHere();
  }

  /**
   * For the refresh-token keep-alive: refreshes the connection, however fresh its access token,
   * unless it was refreshed (or authorized, if never refreshed) at or after {@code cutoff}. Same
   * single-flight, lease and compare-and-set as {@link #execute}; the cutoff is checked again under
   * the lease, so a connection another replica just kept alive is left alone.
   *
   * @return whether this call's refresh was persisted
   */
  boolean refreshUnlessRefreshedSince(ConnectionName connection, Instant cutoff) {
    Objects.requireNonNull(cutoff, "cutoff");
    return obtain(connection, c -> !lastRenewal(c).isBefore(cutoff)).refreshedHere();
  }

  /** When the connection's current refresh token was issued, as far as the record tells. */
  static Instant lastRenewal(Connection connection) {
    return connection.lastRefreshTime() != null
        ? connection.lastRefreshTime()
        : connection.createTime();
  }

  /**
   * The connection's tokens once {@code satisfied} holds, refreshing first if it does not. A
   * refresh happens only when the stored connection fails {@code satisfied}, re-checked by the
   * leader and again under the lease.
   */
  private Outcome obtain(ConnectionName name, Predicate<Connection> satisfied) {
    Connection connection = load(name);
    if (satisfied.test(connection)) {
      return Outcome.unchanged(connection, open(connection));
    }
    Flight flight = refreshOnce(name, satisfied);
    if (!flight.led() && !satisfied.test(flight.outcome().connection())) {
      // We joined a refresh led by a caller who needed less (e.g. less lifetime); one round of our
      // own. A leader never goes round again: if Coze granted a short token, that is what there
      // is.
      flight = refreshOnce(name, satisfied);
    }
    return flight.led() ? flight.outcome() : flight.outcome().seenByJoiner();
  }

  /**
   * What a round produced: the connection as stored, its tokens, and whether the round's own
   * refresh was persisted.
   */
  private record Outcome(Connection connection, TokenSet tokens, boolean refreshedHere) {
    static Outcome unchanged(Connection connection, TokenSet tokens) {
      return new Outcome(connection, tokens, false);
    }

    Outcome seenByJoiner() {
      return new Outcome(connection, tokens, false);
    }

    AccessToken token() {
      return toAccessToken(connection, tokens);
    }
  }

  /** The outcome of one single-flight round, and whether this caller led it. */
  private record Flight(Outcome outcome, boolean led) {}

  private Flight refreshOnce(ConnectionName name, Predicate<Connection> satisfied) {
    CompletableFuture<Outcome> mine = new CompletableFuture<>();
    CompletableFuture<Outcome> leader = inFlight.putIfAbsent(name, mine);
    if (leader != null) {
      return new Flight(await(leader), false);
    }
    try {
      mine.complete(refresh(name, satisfied));
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
    } finally {
      inFlight.remove(name, mine);
    }
    return new Flight(await(mine), true);
  }

  /**
   * This process's leader for the connection. Across replicas, only the holder of the connection's
   * lease calls Coze; a replica that finds the lease taken waits for the holder's write to show up
   * in the store instead, and takes the lease itself only if the holder goes away without writing.
   */
  private Outcome refresh(ConnectionName name, Predicate<Connection> satisfied) {
    long giveUp = System.nanoTime() + MAX_WAIT_FOR_REFRESH.toNanos();
    Duration pause = FIRST_PAUSE;
    while (true) {
      // Re-read: a refresh that finished just before we became leader already did the work.
      Connection connection = load(name);
      if (satisfied.test(connection)) {
        return Outcome.unchanged(connection, open(connection));
      }
      Optional<RefreshLease> lease = leases.tryAcquire(name, leaseTtl);
      if (lease.isPresent()) {
        try (RefreshLease held = lease.get()) {
          return redeem(load(name), satisfied);
        }
      }
      if (System.nanoTime() - giveUp > 0) {
        throw new GatewayException.Unavailable(
            Reason.COZE_UNAVAILABLE,
            "another gateway replica has been refreshing " + name + " for too long",
            Map.of(),
            null);
      }
      pauseFor(pause);
      pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
    }
  }

  /** Under the lease: redeem the stored refresh token, unless the lease came too late. */
  private Outcome redeem(Connection connection, Predicate<Connection> satisfied) {
    if (satisfied.test(connection)) {
      // The previous holder wrote its result between our read and our lease.
      return Outcome.unchanged(connection, open(connection));
    }
    TokenSet tokens = open(connection);
    App app = apps.require(connection.app());
    GrantResult result = coze.refresh(app, tokens.refreshToken());
    if (result instanceof GrantResult.Granted granted) {
      return persist(connection, granted.tokens());
    }
    return afterRejection(connection, tokens, (GrantResult.Rejected) result);
  }

  private static void pauseFor(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GatewayException.Unavailable(
          Reason.COZE_UNAVAILABLE, "interrupted while waiting for a token refresh", Map.of(), e);
    }
  }

  private Outcome persist(Connection connection, TokenSet fresh) {
    Instant now = clock.instant();
    Connection updated =
        connection.refreshed(
            now,
            fresh.accessTokenExpireTime(),
            vault.seal(
                SecretCodec.encodeTokens(fresh), Connection.tokenContext(connection.name())));
    if (!connections.replaceIfVersion(updated, connection.version())) {
      // The connection was replaced (a new authorization) or deleted while Coze answered. What is
      // stored now wins; the tokens we were just given are dropped.
      Connection current = load(connection.name());
      return Outcome.unchanged(current, open(current));
    }
    return new Outcome(updated, fresh, true);
  }

  /**
   * Coze refused the refresh token. Another writer may have rotated it in the meantime, so the
   * store decides: only if it still holds the rejected token does the connection need the end user.
   */
  private Outcome afterRejection(
      Connection connection, TokenSet rejected, GrantResult.Rejected result) {
    Connection current = load(connection.name());
    TokenSet stored = open(current);
    if (!stored.refreshToken().equals(rejected.refreshToken())) {
      return Outcome.unchanged(current, stored);
    }
    Connection marked = current.withState(ConnectionState.NEEDS_REAUTHORIZATION, clock.instant());
    if (!connections.replaceIfVersion(marked, current.version())) {
      Connection newer = load(connection.name());
      return Outcome.unchanged(newer, open(newer));
    }
    throw needsReauthorization(marked, result.errorCode(), result.logId());
  }

  private Connection load(ConnectionName name) {
    Connection connection =
        connections
            .find(name)
            .orElseThrow(
                () ->
                    new GatewayException.NotFound(
                        Reason.CONNECTION_NOT_FOUND, "connection " + name + " does not exist"));
    if (connection.state() != ConnectionState.ACTIVE) {
      throw needsReauthorization(connection, "", "");
    }
    return connection;
  }

  private TokenSet open(Connection connection) {
    return SecretCodec.decodeTokens(
        vault.open(connection.tokens(), Connection.tokenContext(connection.name())));
  }

  private boolean isFresh(Connection connection, Duration minRemaining) {
    return lastsLongEnough(connection.accessTokenExpireTime(), minRemaining);
  }

  private boolean lastsLongEnough(Instant expireTime, Duration minRemaining) {
    return !clock.instant().plus(minRemaining).isAfter(expireTime);
  }

  private static AccessToken toAccessToken(Connection connection, TokenSet tokens) {
    return new AccessToken(connection.name(), tokens.accessToken(), tokens.accessTokenExpireTime());
  }

  private static GatewayException needsReauthorization(
      Connection connection, String cozeError, String logId) {
    return new GatewayException.FailedPrecondition(
        Reason.NEEDS_REAUTHORIZATION,
        "connection "
            + connection.name()
            + " is "
            + connection.state()
            + "; the end user must authorize again",
        cozeError.isEmpty()
            ? Map.of("connection", connection.name().name())
            : Map.of(
                "connection",
                connection.name().name(),
                GatewayException.COZE_ERROR_CODE,
                cozeError,
                GatewayException.COZE_LOGID,
                logId));
  }

  private static Outcome await(CompletableFuture<Outcome> future) {
    try {
      // The leader's Coze call has its own timeout; this bound only keeps a waiter from hanging
      // on a leader that never finishes.
      return future.get(MAX_WAIT_FOR_REFRESH.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new GatewayException.Unavailable(
          Reason.COZE_UNAVAILABLE,
          "timed out waiting for a token refresh in progress",
          Map.of(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GatewayException.Unavailable(
          Reason.COZE_UNAVAILABLE, "interrupted while waiting for a token refresh", Map.of(), e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw (Error) e.getCause();
    }
  }
}
