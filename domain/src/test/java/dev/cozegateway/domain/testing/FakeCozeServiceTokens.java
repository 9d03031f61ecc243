package dev.cozegateway.domain.testing;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.CozeServiceTokens;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory Coze JWT grant for use-case tests. It knows the key ids {@link #registerKey}
 * registered (client id, key id and region together, as Coze does) and refuses any other with
 * {@code invalid_client}, as Coze refuses an app or key of the other region. Tokens live the
 * requested duration by the given clock and come with no refresh token: an empty one, as the
 * adapter represents it. Signs nothing; the adapter's own tests check the JWT. Thread-safe.
 */
public final class FakeCozeServiceTokens implements CozeServiceTokens {
  /** One exchange as the fake saw it: for use-case tests that check what was asked. */
  public record Exchange(App app, Request request) {}

  private final InstantSource clock;
  private final Set<String> registered = ConcurrentHashMap.newKeySet();
  private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
  private final AtomicInteger issued = new AtomicInteger();
  private volatile boolean unavailable;

  public FakeCozeServiceTokens(InstantSource clock) {
    this.clock = clock;
  }

  /** Registers the app's key id at its client id in its region, as the Coze console does. */
  public FakeCozeServiceTokens registerKey(App app) {
    registered.add(registration(app));
    return this;
  }

  @Override
  public TokenSet exchange(App app, Request request) {
    if (app.type() != AppType.JWT) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_TYPE_NOT_SUPPORTED,
          "app " + app.id() + " is a " + app.type() + " app; only JWT apps sign JWTs",
          Map.of());
    }
    if (!app.canSignJwts()) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_MISCONFIGURED,
          "app " + app.id() + " has no private key or key id to sign JWTs with",
          Map.of());
    }
    exchanges.add(new Exchange(app, request));
    if (unavailable) {
      throw new GatewayException.Unavailable(
          Reason.COZE_UNAVAILABLE, "Coze is unavailable (fake)", Map.of(), null);
    }
    if (!registered.contains(registration(app))) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_MISCONFIGURED,
          "Coze refused the JWT of app "
              + app.id()
              + " at Coze region "
              + app.region().label()
              + " (API host "
              + app.region().apiHost()
              + ") (invalid_client: invalid jwt: kid not been registred); check the region and"
              + " key id (fake)",
          Map.of(GatewayException.COZE_ERROR_CODE, "invalid_client"));
    }
    int n = issued.incrementAndGet();
    return new TokenSet(
        Secret.of("czs_fake_" + n), clock.instant().plus(request.duration()), Secret.of(""));
  }

  /** Every exchange asked of the fake, in order, refused ones too. */
  public List<Exchange> exchanges() {
    return List.copyOf(exchanges);
  }

  /** Makes every exchange throw Unavailable, as an unreachable Coze would. */
  public void setUnavailable(boolean unavailable) {
    this.unavailable = unavailable;
  }

  private static String registration(App app) {
    return app.clientId() + " " + app.keyId() + " " + app.region().label();
  }
}
