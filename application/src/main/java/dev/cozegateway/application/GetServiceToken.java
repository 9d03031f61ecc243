package dev.cozegateway.application;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.ServiceToken;
import dev.cozegateway.domain.ServiceTokenKey;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.CozeServiceTokens;
import dev.cozegateway.domain.port.RefreshLeases;
import dev.cozegateway.domain.port.RefreshLeases.RefreshLease;
import dev.cozegateway.domain.port.SecretVault;
import dev.cozegateway.domain.port.ServiceTokenStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Returns a JWT service app's access token for an optional session name, with at least the asked
 * lifetime left. Tokens are cached in the store per (app, session name, scope) and shared by every
 * replica. When the cached one is too old, one caller in the process mints (single-flight), and
 * across replicas only the holder of the key's lease does; the others wait for its token in the
 * store. Minting signs a fresh JWT each time (there is no refresh token). Thread-safe.
 */
public final class GetServiceToken {
  private static final Duration MAX_WAIT = Duration.ofSeconds(30);
  private static final Duration FIRST_PAUSE = Duration.ofMillis(20);
  private static final Duration MAX_PAUSE = Duration.ofMillis(250);

  /**
   * @param app the JWT app
   * @param sessionName the end user's session, or empty for the app itself
   * @param minRemaining the least lifetime the token must have left; {@code null} for the default
   */
  public record Command(AppId app, String sessionName, Duration minRemaining) {
    public Command {
      Objects.requireNonNull(app, "app");
      sessionName = sessionName == null ? "" : sessionName;
      // The same bounds and default as a connection's token.
      minRemaining = GetAccessToken.checkedMinRemaining(minRemaining);
    }
  }

  /** A service app's access token and when it expires. */
  public record ServiceAccessToken(ServiceTokenKey key, Secret token, Instant expireTime) {}

  private final AppDirectory apps;
  private final ServiceTokenStore store;
  private final RefreshLeases leases;
  private final SecretVault vault;
  private final CozeServiceTokens coze;
  private final InstantSource clock;
  private final Duration leaseTtl;
  private final SingleFlight<String, ServiceToken> inFlight =
      new SingleFlight<>(MAX_WAIT, "a service token");

  GetServiceToken(
      AppDirectory apps,
      ServiceTokenStore store,
      RefreshLeases leases,
      SecretVault vault,
      CozeServiceTokens coze,
      InstantSource clock,
      Duration leaseTtl) {
    this.apps = apps;
    this.store = store;
    this.leases = leases;
    this.vault = vault;
    this.coze = coze;
    this.clock = clock;
    this.leaseTtl = leaseTtl;
  }

  /** For workflow calls: the app (so its region) and a token for its session. */
  record AppServiceToken(App app, ServiceAccessToken token) {}

  AppServiceToken appToken(ServiceTokenKey key) {
    return new AppServiceToken(
        apps.require(key.app()), execute(new Command(key.app(), key.sessionName(), null)));
  }

  /**
   * Coze refused {@code rejected} before it expired (4100): mints a new token unless the cached one
   * is another already, and returns the token to retry with.
   */
  AppServiceToken refreshRejected(ServiceTokenKey key, Secret rejected) {
    App app = apps.require(key.app());
    Optional<ServiceToken> cached = store.find(key);
    ServiceToken token =
        cached.isPresent() && !open(cached.get()).equals(rejected)
            ? cached.get()
            : mintOnce(app, key, Duration.ZERO, rejected);
    return new AppServiceToken(app, new ServiceAccessToken(key, open(token), token.expireTime()));
  }

  /** Coze refused a freshly minted token too: the app is misconfigured. Always returns it. */
  GatewayException giveUp(ServiceTokenKey key, String cozeCode, String logId) {
    App app = apps.require(key.app());
    return new GatewayException.FailedPrecondition(
        Reason.APP_MISCONFIGURED,
        "Coze refused a fresh token of JWT app "
            + app.id()
            + " (code "
            + cozeCode
            + ", region "
            + app.region().label()
            + ", host "
            + app.region().apiBase().getHost()
            + "); check the app's region and its permissions",
        Map.of(
            "app",
            app.id().name(),
            GatewayException.COZE_ERROR_CODE,
            cozeCode,
            GatewayException.COZE_LOGID,
            logId));
  }

  public ServiceAccessToken execute(Command command) {
    App app = apps.require(command.app());
    if (app.type() != AppType.JWT) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_TYPE_NOT_SUPPORTED,
          app.id() + " is a " + app.type() + " app; a session token needs a JWT app",
          Map.of("app", app.id().name(), "app_type", app.type().name()));
    }
    ServiceTokenKey key = new ServiceTokenKey(app.id(), command.sessionName(), "");
    Optional<ServiceToken> cached = store.find(key);
    ServiceToken token =
        cached.filter(t -> lastsLongEnough(t, command.minRemaining())).orElse(null);
    if (token == null) {
      token = mintOnce(app, key, command.minRemaining(), null);
    }
    return new ServiceAccessToken(key, open(token), token.expireTime());
  }

  /**
   * Single-flight in this process: one caller per key mints, the others take its token.
   *
   * @param rejected a token Coze refused, which the cache must not return; or {@code null}
   */
  private ServiceToken mintOnce(
      App app, ServiceTokenKey key, Duration minRemaining, Secret rejected) {
    return inFlight.run(key.id(), () -> mintUnderLease(app, key, minRemaining, rejected)).value();
  }

  /** Across replicas: the lease holder mints; the others wait for its token in the store. */
  private ServiceToken mintUnderLease(
      App app, ServiceTokenKey key, Duration minRemaining, Secret rejected) {
    long giveUp = System.nanoTime() + MAX_WAIT.toNanos();
    Duration pause = FIRST_PAUSE;
    while (true) {
      Optional<ServiceToken> cached =
          store.find(key).filter(t -> usable(t, minRemaining, rejected));
      if (cached.isPresent()) {
        return cached.get();
      }
      Optional<RefreshLease> lease = leases.tryAcquire(key.leaseName(), leaseTtl);
      if (lease.isPresent()) {
        try (RefreshLease held = lease.get()) {
          Optional<ServiceToken> meanwhile =
              store.find(key).filter(t -> usable(t, minRemaining, rejected));
          if (meanwhile.isPresent()) {
            return meanwhile.get();
          }
          return mint(app, key);
        }
      }
      if (System.nanoTime() - giveUp > 0) {
        throw new GatewayException.Unavailable(
            Reason.COZE_UNAVAILABLE,
            "another gateway replica has been minting a token for " + app.id() + " for too long",
            Map.of(),
            null);
      }
      Waits.pause(pause, Reason.COZE_UNAVAILABLE, "a service token");
      pause = Waits.doubled(pause, MAX_PAUSE);
    }
  }

  private ServiceToken mint(App app, ServiceTokenKey key) {
    Instant now = clock.instant();
    TokenSet tokens =
        coze.exchange(
            app,
            new CozeServiceTokens.Request(
                key.sessionName(), app.tokenLifetime(), app.accountId(), app.enterpriseId()));
    ServiceToken minted =
        new ServiceToken(
            key,
            vault.seal(
                tokens.accessToken().reveal().getBytes(StandardCharsets.UTF_8), key.tokenContext()),
            tokens.accessTokenExpireTime(),
            now);
    return store.putIfFresher(minted);
  }

  private Secret open(ServiceToken token) {
    return Secret.of(
        new String(vault.open(token.token(), token.key().tokenContext()), StandardCharsets.UTF_8));
  }

  private boolean usable(ServiceToken token, Duration minRemaining, Secret rejected) {
    return lastsLongEnough(token, minRemaining)
        && (rejected == null || !open(token).equals(rejected));
  }

  private boolean lastsLongEnough(ServiceToken token, Duration minRemaining) {
    return !clock.instant().plus(minRemaining).isAfter(token.expireTime());
  }
}
