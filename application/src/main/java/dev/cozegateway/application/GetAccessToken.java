package dev.cozegateway.application;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.RefreshIntent;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.port.CozeOAuth.GrantResult;
import dev.cozegateway.domain.port.RefreshLeases;
import dev.cozegateway.domain.port.RefreshLeases.RefreshLease;
import dev.cozegateway.domain.port.SecretVault;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
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

  /**
   * How long a refresh that Coze granted keeps trying to store the new tokens while the store is
   * unreachable, from the moment its intent was written, by default (config {@code
   * refresh.persist-timeout}). Coze has already rotated the refresh token then, so giving up loses
   * the connection; cover the store's failover time (e.g. Sentinel's {@code
   * down-after-milliseconds} plus its election). A replica that finds a rotated token refused waits
   * as long (plus {@link #CLOCK_SKEW}) for the interrupted refresh's owner to store its result
   * before giving up the connection.
   */
  public static final Duration DEFAULT_PERSIST_TIMEOUT = Duration.ofSeconds(30);

  /** The bounds of {@code refresh.persist-timeout}. */
  public static final Duration MIN_PERSIST_TIMEOUT = Duration.ofSeconds(1);

  public static final Duration MAX_PERSIST_TIMEOUT = Duration.ofMinutes(5);

  /** How far apart two replicas' clocks may be, as far as intents' start times are concerned. */
  public static final Duration CLOCK_SKEW = Duration.ofSeconds(2);

  // How a replica that lost the lease polls the store for the holder's result.
  private static final Duration FIRST_PAUSE = Duration.ofMillis(20);
  private static final Duration MAX_PAUSE = Duration.ofMillis(250);
  // How a holder retries storing granted tokens while the store is unreachable.
  private static final Duration MAX_PERSIST_PAUSE = Duration.ofSeconds(1);
  private static final int MAX_INTENT_ATTEMPTS = 3;
  private static final System.Logger log = System.getLogger(GetAccessToken.class.getName());

  /**
   * @param connection the connection
   * @param minRemaining the least lifetime the token must have left; {@code null} for the default
   */
  public record Command(ConnectionName connection, Duration minRemaining) {
    public Command {
      Objects.requireNonNull(connection, "connection");
      minRemaining = checkedMinRemaining(minRemaining);
    }
  }

  /** The default for {@code null}; otherwise the value, if it is between 0 and the maximum. */
  static Duration checkedMinRemaining(Duration minRemaining) {
    if (minRemaining == null) {
      return DEFAULT_MIN_REMAINING;
    }
    if (minRemaining.isNegative() || minRemaining.compareTo(MAX_MIN_REMAINING) > 0) {
      throw new GatewayException.InvalidArgument(
          Reason.INVALID_ARGUMENT,
          "min_remaining_lifetime",
          "must be between 0 and " + MAX_MIN_REMAINING.toSeconds() + " seconds");
    }
    return minRemaining;
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
  private final Duration persistTimeout;
  private final String owner;
  private final SingleFlight<ConnectionName, Outcome> inFlight =
      new SingleFlight<>(MAX_WAIT_FOR_REFRESH, "a token refresh in progress");

  GetAccessToken(
      AppDirectory apps,
      ConnectionStore connections,
      SecretVault vault,
      CozeOAuth coze,
      InstantSource clock,
      RefreshLeases leases,
      Duration leaseTtl,
      Duration persistTimeout) {
    Objects.requireNonNull(leaseTtl, "leaseTtl");
    Objects.requireNonNull(persistTimeout, "persistTimeout");
    if (persistTimeout.compareTo(MIN_PERSIST_TIMEOUT) < 0
        || persistTimeout.compareTo(MAX_PERSIST_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          "persist timeout must be between 1s and 5m, got " + persistTimeout.toMillis() + "ms");
    }
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
    this.persistTimeout = persistTimeout;
    this.owner = ownerId();
  }

  /** Names this process in refresh intents: its pid, and a random tag for each instance. */
  private static String ownerId() {
    return "pid "
        + ProcessHandle.current().pid()
        + " #"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt() | 0x10000000);
  }

  public AccessToken execute(Command command) {
    Duration minRemaining = command.minRemaining();
    return obtain(command.connection(), c -> isFresh(c, minRemaining)).token();
  }

  /** A token to call Coze with, and the app (so the region) it belongs to. */
  record AppToken(App app, AccessToken token) {}

  /** For workflow calls: the connection's token, fresh for the default minimum lifetime. */
  AppToken appToken(ConnectionName connection) {
    return appToken(obtain(connection, c -> isFresh(c, DEFAULT_MIN_REMAINING)));
  }

  /**
   * Coze refused {@code rejected} although it had not expired (4100): refreshes the connection
   * unless its stored access token is another one already, and returns the token to retry with.
   */
  AppToken refreshRejected(ConnectionName connection, Secret rejected) {
    return appToken(obtain(connection, c -> !open(c).accessToken().equals(rejected)));
  }

  /**
   * Coze refused a freshly refreshed token too: the connection needs the end user again, if its
   * stored access token is still {@code rejected}. Always throws.
   *
   * @param cozeCode Coze's error code
   * @param logId Coze's log id of the refusal
   */
  GatewayException giveUp(ConnectionName name, Secret rejected, String cozeCode, String logId) {
    Connection current = load(name);
    App app = apps.require(current.app());
    if (open(current).accessToken().equals(rejected)) {
      Connection marked = current.withState(ConnectionState.NEEDS_REAUTHORIZATION, clock.instant());
      if (connections.replaceIfVersion(marked, current.version())) {
        log.log(
            Level.WARNING,
            "connection {0} needs reauthorization: Coze refused its fresh access token ({1}) on"
                + " {2}",
            name,
            cozeCode,
            app.region().apiBase());
        current = marked;
      }
    }
    return new GatewayException.FailedPrecondition(
        Reason.NEEDS_REAUTHORIZATION,
        "Coze refused connection "
            + name
            + "'s access token even after a refresh (code "
            + cozeCode
            + ", region "
            + app.region().label()
            + ", host "
            + app.region().apiBase().getHost()
            + "); the end user must authorize again, or the app is configured for the wrong"
            + " region",
        Map.of(
            "connection",
            name.name(),
            GatewayException.COZE_ERROR_CODE,
            cozeCode,
            GatewayException.COZE_LOGID,
            logId));
  }

  private AppToken appToken(Outcome outcome) {
    return new AppToken(apps.require(outcome.connection().app()), outcome.token());
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
    SingleFlight.Flight<Outcome> flight = refreshOnce(name, satisfied);
    if (!flight.led() && !satisfied.test(flight.value().connection())) {
      // We joined a refresh led by a caller who needed less (e.g. less lifetime); one round of our
      // own. A leader never goes round again: if Coze granted a short token, that is what there
      // is.
      flight = refreshOnce(name, satisfied);
    }
    return flight.led() ? flight.value() : flight.value().seenByJoiner();
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

  private SingleFlight.Flight<Outcome> refreshOnce(
      ConnectionName name, Predicate<Connection> satisfied) {
    return inFlight.run(name, () -> refresh(name, satisfied));
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
      Waits.pause(pause, Reason.COZE_UNAVAILABLE, "a token refresh");
      pause = Waits.doubled(pause, MAX_PAUSE);
    }
  }

  /**
   * Under the lease: redeem the stored refresh token, unless the lease came too late. If another
   * process's intent is on the record, its refresh may have redeemed the token and still be storing
   * the result (its lease lapsed, say, while the store failed over): wait for that result until the
   * other's persist timeout has surely passed, rather than send the token a second time. Then the
   * intent is written, so that whoever finds it later knows a refresh was started; if another
   * writer got in first (a holder whose lease lapsed, a new authorization), start again from what
   * it wrote.
   */
  private Outcome redeem(Connection connection, Predicate<Connection> satisfied) {
    Connection current = connection;
    for (int attempt = 1; ; attempt++) {
      if (satisfied.test(current)) {
        // The previous holder wrote its result between our read and our lease.
        return Outcome.unchanged(current, open(current));
      }
      RefreshIntent interrupted = current.refreshIntent();
      if (interrupted != null && !interrupted.owner().equals(owner)) {
        Instant over = interrupted.startTime().plus(persistTimeout).plus(CLOCK_SKEW);
        Duration left = Duration.between(clock.instant(), over);
        if (!left.isNegative() && !left.isZero()) {
          log.log(
              Level.INFO,
              "connection {0}: waiting up to {1} ms for the result of a refresh that {2} started"
                  + " at {3}",
              current.name(),
              left.toMillis(),
              interrupted.owner(),
              interrupted.startTime());
          boolean succeeded = awaitSuccessor(current.name(), open(current).refreshToken(), left);
          current = load(current.name());
          if (succeeded) {
            continue;
          }
        }
      }
      RefreshIntent intent = new RefreshIntent(owner, clock.instant());
      Connection intended = current.withRefreshIntent(intent);
      long intentWritten = System.nanoTime();
      if (connections.replaceIfVersion(intended, current.version())) {
        if (interrupted != null && !interrupted.owner().equals(owner)) {
          log.log(
              Level.WARNING,
              "connection {0}: taking over a refresh that {1} started at {2} and did not finish",
              current.name(),
              interrupted.owner(),
              interrupted.startTime());
        }
        return redeemUnderIntent(intended, interrupted, intentWritten);
      }
      current = load(current.name());
      if (attempt == MAX_INTENT_ATTEMPTS) {
        return Outcome.unchanged(current, open(current));
      }
    }
  }

  private Outcome redeemUnderIntent(
      Connection intended, RefreshIntent interrupted, long intentWritten) {
    TokenSet tokens = open(intended);
    App app = apps.require(intended.app());
    GrantResult result = coze.refresh(app, tokens.refreshToken());
    if (result instanceof GrantResult.Granted granted) {
      return persist(intended, granted.tokens(), tokens.refreshToken(), intentWritten);
    }
    return afterRejection(intended, tokens, (GrantResult.Rejected) result, interrupted);
  }

  /**
   * Stores what Coze granted. Coze has already rotated the refresh token, so these tokens are the
   * connection's only future: while the store is unreachable, keep trying until {@code
   * persistTimeout} after the intent was written; and while the stored refresh token is still the
   * one redeemed (whatever else changed: our own intent, another replica's intent or its giving the
   * connection up after Coze refused the same token), these tokens are its successor and are
   * written over it.
   */
  private Outcome persist(
      Connection intended, TokenSet fresh, Secret redeemed, long intentWritten) {
    ConnectionName name = intended.name();
    SealedSecret sealed =
        vault.seal(SecretCodec.encodeTokens(fresh), Connection.tokenContext(name));
    Connection base = intended;
    Duration pause = FIRST_PAUSE;
    while (true) {
      try {
        Connection updated = base.refreshed(clock.instant(), fresh.accessTokenExpireTime(), sealed);
        if (connections.replaceIfVersion(updated, base.version())) {
          return new Outcome(updated, fresh, true);
        }
        Optional<Connection> current = connections.find(name);
        if (current.isEmpty() || !open(current.get()).refreshToken().equals(redeemed)) {
          // Deleted, or replaced by a new authorization, while Coze answered. What is stored now
          // wins; the tokens we were just given are dropped.
          Connection now = load(name);
          return Outcome.unchanged(now, open(now));
        }
        base = current.get();
      } catch (GatewayException.Unavailable e) {
        if (e.reason() != Reason.STORE_UNAVAILABLE
            || System.nanoTime() - intentWritten > persistTimeout.toNanos()) {
          log.log(
              Level.ERROR,
              "connection {0}: Coze rotated its refresh token, but the new tokens could not be"
                  + " stored within {1} s; the end user must authorize again",
              name,
              persistTimeout.toSeconds());
          throw e;
        }
        Waits.pause(pause, Reason.COZE_UNAVAILABLE, "a token refresh");
        pause = Waits.doubled(pause, MAX_PERSIST_PAUSE);
      }
    }
  }

  /**
   * Coze refused the refresh token. Another writer may have rotated it in the meantime, so the
   * store decides: only if it still holds the rejected token does the connection need the end user.
   * (An interrupted refresh's owner had its persist timeout to store a successor before this one
   * was sent; see {@link #redeem}.)
   */
  private Outcome afterRejection(
      Connection intended,
      TokenSet rejected,
      GrantResult.Rejected result,
      RefreshIntent interrupted) {
    ConnectionName name = intended.name();
    Connection current = connections.find(name).orElseThrow(() -> connectionNotFound(name));
    TokenSet stored = open(current);
    if (!stored.refreshToken().equals(rejected.refreshToken())) {
      Connection newer = load(name);
      return Outcome.unchanged(newer, open(newer));
    }
    if (current.state() != ConnectionState.ACTIVE) {
      throw needsReauthorization(current, result.errorCode(), result.logId());
    }
    Connection marked = current.withState(ConnectionState.NEEDS_REAUTHORIZATION, clock.instant());
    if (!connections.replaceIfVersion(marked, current.version())) {
      Connection newer = load(name);
      return Outcome.unchanged(newer, open(newer));
    }
    if (interrupted != null) {
      log.log(
          Level.WARNING,
          "connection {0} needs reauthorization: Coze refused its refresh token ({1}), which a"
              + " refresh that {2} started at {3} and did not finish had probably redeemed",
          name,
          result.errorCode(),
          interrupted.owner(),
          interrupted.startTime());
    } else {
      log.log(
          Level.WARNING,
          "connection {0} needs reauthorization: Coze refused its refresh token ({1})",
          name,
          result.errorCode());
    }
    throw needsReauthorization(marked, result.errorCode(), result.logId());
  }

  /**
   * Polls the store for up to {@code atMost} until the connection no longer holds {@code rejected}
   * (another process stored its successor, or the connection was deleted or replaced).
   */
  private boolean awaitSuccessor(ConnectionName name, Secret rejected, Duration atMost) {
    long giveUp = System.nanoTime() + Math.max(0, atMost.toNanos());
    Duration pause = FIRST_PAUSE;
    while (true) {
      Optional<Connection> current = connections.find(name);
      if (current.isEmpty() || !open(current.get()).refreshToken().equals(rejected)) {
        return true;
      }
      if (System.nanoTime() - giveUp >= 0) {
        return false;
      }
      Waits.pause(pause, Reason.COZE_UNAVAILABLE, "a token refresh");
      pause = Waits.doubled(pause, MAX_PAUSE);
    }
  }

  private Connection load(ConnectionName name) {
    Connection connection = connections.find(name).orElseThrow(() -> connectionNotFound(name));
    if (connection.state() != ConnectionState.ACTIVE) {
      throw needsReauthorization(connection, "", "");
    }
    return connection;
  }

  private static GatewayException connectionNotFound(ConnectionName name) {
    return new GatewayException.NotFound(
        Reason.CONNECTION_NOT_FOUND, "connection " + name + " does not exist");
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
}
