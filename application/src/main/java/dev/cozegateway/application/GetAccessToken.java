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
   * How long a refresh lease lives unless renewed. The lease's implementation renews it while the
   * holder is alive, so this bounds how long a dead holder blocks the others.
   */
  static final Duration LEASE_TTL = Duration.ofSeconds(15);

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
  private final ConcurrentHashMap<ConnectionName, CompletableFuture<AccessToken>> inFlight =
      new ConcurrentHashMap<>();

  GetAccessToken(
      AppDirectory apps,
      ConnectionStore connections,
      SecretVault vault,
      CozeOAuth coze,
      InstantSource clock,
      RefreshLeases leases) {
    this.apps = apps;
    this.connections = connections;
    this.vault = vault;
    this.coze = coze;
    this.clock = clock;
    this.leases = leases;
  }

  public AccessToken execute(Command command) {
    Connection connection = load(command.connection());
    if (isFresh(connection, command.minRemaining())) {
      return toAccessToken(connection, open(connection));
    }
    Flight flight = refreshOnce(command);
    if (!flight.led() && !lastsLongEnough(flight.token().expireTime(), command.minRemaining())) {
      // We joined a refresh led by a caller who needed less lifetime; one round of our own. A
      // leader never goes round again: if Coze granted a short token, that is what there is.
      flight = refreshOnce(command);
    }
    return flight.token();
  }

  /** The outcome of one single-flight round, and whether this caller led it. */
  private record Flight(AccessToken token, boolean led) {}

  private Flight refreshOnce(Command command) {
    CompletableFuture<AccessToken> mine = new CompletableFuture<>();
    CompletableFuture<AccessToken> leader = inFlight.putIfAbsent(command.connection(), mine);
    if (leader != null) {
      return new Flight(await(leader), false);
    }
    try {
      mine.complete(refresh(command));
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
    } finally {
      inFlight.remove(command.connection(), mine);
    }
    return new Flight(await(mine), true);
  }

  /**
   * This process's leader for the connection. Across replicas, only the holder of the connection's
   * lease calls Coze; a replica that finds the lease taken waits for the holder's write to show up
   * in the store instead, and takes the lease itself only if the holder goes away without writing.
   */
  private AccessToken refresh(Command command) {
    ConnectionName name = command.connection();
    long giveUp = System.nanoTime() + MAX_WAIT_FOR_REFRESH.toNanos();
    Duration pause = FIRST_PAUSE;
    while (true) {
      // Re-read: a refresh that finished just before we became leader already did the work.
      Connection connection = load(name);
      if (isFresh(connection, command.minRemaining())) {
        return toAccessToken(connection, open(connection));
      }
      Optional<RefreshLease> lease = leases.tryAcquire(name, LEASE_TTL);
      if (lease.isPresent()) {
        try (RefreshLease held = lease.get()) {
          return redeem(load(name), command);
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
  private AccessToken redeem(Connection connection, Command command) {
    if (isFresh(connection, command.minRemaining())) {
      // The previous holder wrote its result between our read and our lease.
      return toAccessToken(connection, open(connection));
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

  private AccessToken persist(Connection connection, TokenSet fresh) {
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
      return toAccessToken(current, open(current));
    }
    return toAccessToken(updated, fresh);
  }

  /**
   * Coze refused the refresh token. Another writer may have rotated it in the meantime, so the
   * store decides: only if it still holds the rejected token does the connection need the end user.
   */
  private AccessToken afterRejection(
      Connection connection, TokenSet rejected, GrantResult.Rejected result) {
    Connection current = load(connection.name());
    TokenSet stored = open(current);
    if (!stored.refreshToken().equals(rejected.refreshToken())) {
      return toAccessToken(current, stored);
    }
    Connection marked = current.withState(ConnectionState.NEEDS_REAUTHORIZATION, clock.instant());
    if (!connections.replaceIfVersion(marked, current.version())) {
      Connection newer = load(connection.name());
      return toAccessToken(newer, open(newer));
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

  private static AccessToken await(CompletableFuture<AccessToken> future) {
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
