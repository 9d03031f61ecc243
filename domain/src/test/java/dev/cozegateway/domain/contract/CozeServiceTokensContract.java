package dev.cozegateway.domain.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.CozeServiceTokens;
import dev.cozegateway.domain.port.CozeServiceTokens.Request;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What every {@link CozeServiceTokens} guarantees: a JWT app gets a fresh access token for the
 * requested lifetime and no refresh token; an app whose key id Coze does not know (the wrong
 * region, most often) is a configuration failure that says where it asked. Extend it once per
 * implementation.
 *
 * <p>"No refresh token" is an empty {@link TokenSet#refreshToken()}: {@code TokenSet} requires one.
 */
public abstract class CozeServiceTokensContract {
  /** Coze's {@code expires_in} is whole seconds, and a real server takes a moment to answer. */
  private static final Duration SLACK = Duration.ofSeconds(5);

  /** The implementation under test, talking to a Coze that knows {@link #app()}'s key. */
  protected abstract CozeServiceTokens coze();

  /** A JWT app whose key id is registered at the Coze under test. */
  protected abstract App app();

  /** {@link #app()} with a key id that Coze does not know, as in the wrong region. */
  protected abstract App unregisteredKeyApp();

  /** The time by the Coze under test's clock. */
  protected abstract Instant now();

  private static Request request(Duration duration) {
    return new Request("", duration, "", "");
  }

  private void assertLives(TokenSet tokens, Duration duration, Instant before) {
    assertThat(tokens.accessTokenExpireTime())
        .isBetween(before.plus(duration).minus(SLACK), now().plus(duration).plus(SLACK));
  }

  @Test
  void aJwtAppGetsAnAccessTokenForTheRequestedLifetimeAndNoRefreshToken() {
    Instant before = now();

    TokenSet tokens = coze().exchange(app(), request(Duration.ofSeconds(3600)));

    assertThat(tokens.accessToken().reveal()).isNotBlank();
    assertThat(tokens.refreshToken().reveal()).as("no refresh token").isEmpty();
    assertLives(tokens, Duration.ofSeconds(3600), before);
  }

  @Test
  void theDefaultAndTheLongestLifetimesAreGranted() {
    Instant before = now();

    TokenSet standard = coze().exchange(app(), request(Request.DEFAULT_DURATION));
    TokenSet longest = coze().exchange(app(), request(Request.MAX_DURATION));

    assertLives(standard, Request.DEFAULT_DURATION, before);
    assertLives(longest, Request.MAX_DURATION, before);
  }

  @Test
  void everyExchangeGetsAFreshToken() {
    // A JWT works once; the second exchange must sign a new one to succeed.
    TokenSet first = coze().exchange(app(), request(Request.DEFAULT_DURATION));
    TokenSet second = coze().exchange(app(), request(Request.DEFAULT_DURATION));

    assertThat(second.accessToken()).isNotEqualTo(first.accessToken());
  }

  @Test
  void aSessionNameIsAccepted() {
    TokenSet tokens =
        coze().exchange(app(), new Request("user_2222", Request.DEFAULT_DURATION, "", ""));

    assertThat(tokens.accessToken().reveal()).isNotBlank();
  }

  @Test
  void accountAndEnterpriseTokensAreGranted() {
    TokenSet account =
        coze()
            .exchange(app(), new Request("", Request.DEFAULT_DURATION, "7350000000000000001", ""));
    TokenSet enterprise =
        coze()
            .exchange(app(), new Request("", Request.DEFAULT_DURATION, "", "7350000000000000002"));

    assertThat(account.accessToken().reveal()).isNotBlank();
    assertThat(enterprise.accessToken().reveal()).isNotBlank();
    assertThat(account.refreshToken().reveal()).isEmpty();
    assertThat(enterprise.refreshToken().reveal()).isEmpty();
  }

  @Test
  void anUnknownKeyIdIsAMisconfigurationThatNamesTheAppRegionAndHost() {
    App app = unregisteredKeyApp();

    assertThatThrownBy(() -> coze().exchange(app, request(Request.DEFAULT_DURATION)))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED);
              assertThat(e.getMessage())
                  .contains(app.id().toString(), app.region().label(), app.region().apiHost());
              assertThat(e.metadata())
                  .containsEntry(GatewayException.COZE_ERROR_CODE, "invalid_client");
            });
  }

  @Test
  void onlyJwtAppsExchange() {
    App jwt = app();
    App device =
        new App(jwt.id(), AppType.DEVICE, jwt.region(), jwt.clientId(), null, "", null, Set.of());

    assertThatThrownBy(() -> coze().exchange(device, request(Request.DEFAULT_DURATION)))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.APP_TYPE_NOT_SUPPORTED));
  }

  @Test
  void aJwtAppWithoutAKeyIsAMisconfiguration() {
    App jwt = app();
    App keyless =
        new App(
            jwt.id(),
            AppType.JWT,
            jwt.region(),
            jwt.clientId(),
            null,
            "",
            null,
            Set.of(),
            null,
            jwt.keyId());

    assertThatThrownBy(() -> coze().exchange(keyless, request(Request.DEFAULT_DURATION)))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED));
  }
}
