package dev.cozegateway.domain.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.CozeDeviceFlow;
import dev.cozegateway.domain.port.CozeDeviceFlow.DeviceCode;
import dev.cozegateway.domain.port.CozeDeviceFlow.DevicePoll;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What every {@link CozeDeviceFlow} guarantees: a device code with its user code, lifetime and
 * interval; polls that answer pending, slow down, denied, expired or tokens as the end user and the
 * clock decide; a granted code redeemed once. Extend it once per implementation.
 */
public abstract class CozeDeviceFlowContract {
  /** The implementation under test, talking to a Coze that knows {@link #app()}. */
  protected abstract CozeDeviceFlow coze();

  /** A configured DEVICE app. */
  protected abstract App app();

  /** The end user approves {@code userCode} at Coze. */
  protected abstract void approve(String userCode);

  /** The end user refuses {@code userCode} at Coze. */
  protected abstract void deny(String userCode);

  /** Moves the Coze under test's clock forward. */
  protected abstract void advance(Duration duration);

  /** The time by the Coze under test's clock. */
  protected abstract Instant now();

  private DevicePoll pollAfterInterval(DeviceCode code) {
    advance(code.interval());
    return coze().pollDeviceToken(app(), code.deviceCode());
  }

  @Test
  void aDeviceCodeComesWithAUserCodeALifetimeAndAnInterval() {
    DeviceCode code = coze().requestDeviceCode(app(), "");

    assertThat(code.deviceCode().reveal()).isNotBlank();
    assertThat(code.userCode()).isNotBlank();
    assertThat(code.verificationUri().isAbsolute()).isTrue();
    assertThat(code.verificationUriComplete().getRawQuery()).contains("user_code=");
    assertThat(code.expiresIn())
        .as("a lifetime, not a timestamp")
        .isPositive()
        .isLessThanOrEqualTo(Duration.ofDays(1));
    assertThat(code.interval()).isLessThan(code.expiresIn());
  }

  @Test
  void everyRequestGetsItsOwnCodes() {
    DeviceCode first = coze().requestDeviceCode(app(), "");
    DeviceCode second = coze().requestDeviceCode(app(), "");

    assertThat(second.deviceCode()).isNotEqualTo(first.deviceCode());
    assertThat(second.userCode()).isNotEqualTo(first.userCode());
  }

  @Test
  void untilTheEndUserDecidesAPollIsPending() {
    DeviceCode code = coze().requestDeviceCode(app(), "");

    assertThat(pollAfterInterval(code)).isInstanceOf(DevicePoll.Pending.class);
    assertThat(pollAfterInterval(code)).isInstanceOf(DevicePoll.Pending.class);
  }

  @Test
  void pollingSoonerThanTheIntervalIsToldToSlowDown() {
    DeviceCode code = coze().requestDeviceCode(app(), "");
    assertThat(pollAfterInterval(code)).isInstanceOf(DevicePoll.Pending.class);

    assertThat(coze().pollDeviceToken(app(), code.deviceCode()))
        .isInstanceOf(DevicePoll.SlowDown.class);

    // Coze adds 5 s to the interval per slow_down (RFC 8628); waiting that long is enough.
    advance(Duration.ofSeconds(5));
    assertThat(pollAfterInterval(code)).isInstanceOf(DevicePoll.Pending.class);
  }

  @Test
  void anApprovedCodeYieldsTokensOnce() {
    DeviceCode code = coze().requestDeviceCode(app(), "");
    approve(code.userCode());

    DevicePoll poll = pollAfterInterval(code);

    assertThat(poll).isInstanceOf(DevicePoll.Granted.class);
    TokenSet tokens = ((DevicePoll.Granted) poll).tokens();
    assertThat(tokens.accessToken().reveal()).isNotBlank();
    assertThat(tokens.refreshToken().reveal()).isNotBlank();
    assertThat(tokens.accessTokenExpireTime()).isAfter(now());
    assertThat(pollAfterInterval(code))
        .as("a redeemed device code")
        .isInstanceOf(DevicePoll.Rejected.class);
  }

  @Test
  void aDeniedCodeIsDenied() {
    DeviceCode code = coze().requestDeviceCode(app(), "");
    deny(code.userCode());

    assertThat(pollAfterInterval(code)).isInstanceOf(DevicePoll.Denied.class);
  }

  @Test
  void aCodeExpiresAfterItsLifetime() {
    DeviceCode code = coze().requestDeviceCode(app(), "");

    advance(code.expiresIn().plusSeconds(1));

    assertThat(coze().pollDeviceToken(app(), code.deviceCode()))
        .isInstanceOf(DevicePoll.Expired.class);
  }

  @Test
  void anUnknownDeviceCodeIsRejected() {
    assertThat(coze().pollDeviceToken(app(), Secret.of("no-such-device-code")))
        .isInstanceOfSatisfying(
            DevicePoll.Rejected.class, r -> assertThat(r.errorCode()).isNotBlank());
  }

  @Test
  void aWorkspaceScopedCodeWorksLikeAnyOther() {
    DeviceCode code = coze().requestDeviceCode(app(), "7350000000000000001");
    approve(code.userCode());

    assertThat(pollAfterInterval(code)).isInstanceOf(DevicePoll.Granted.class);
  }

  @Test
  void onlyDeviceAppsUseTheFlow() {
    App device = app();
    App pkce =
        new App(
            device.id(),
            AppType.PKCE,
            device.region(),
            device.clientId(),
            null,
            "",
            java.net.URI.create("https://gateway.example/cb"),
            Set.of());

    assertThatThrownBy(() -> coze().requestDeviceCode(pkce, ""))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.APP_TYPE_NOT_SUPPORTED));
  }
}
