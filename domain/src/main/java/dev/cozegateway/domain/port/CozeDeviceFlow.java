package dev.cozegateway.domain.port;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Coze's device authorization (RFC 8628-like, §3.8 of the Coze contract) for DEVICE apps: a device
 * code and user code, then polling the token endpoint until the end user approves or denies.
 *
 * <p>Implementations are thread-safe and make exactly one HTTP call per method; the caller owns the
 * polling schedule (Coze's {@code interval}, plus 5 s per {@code slow_down}). An unreachable Coze,
 * a timeout or a 5xx throws {@link dev.cozegateway.domain.GatewayException.Unavailable}; Coze
 * rejecting the app itself throws {@link
 * dev.cozegateway.domain.GatewayException.FailedPrecondition} with reason {@code
 * APP_MISCONFIGURED}. No device code or token appears in an exception.
 */
public interface CozeDeviceFlow {

  /**
   * {@code POST /api/permission/oauth2/device/code}, or its workspace variant.
   *
   * @param workspaceId a Coze workspace id to scope the authorization to, or empty
   */
  DeviceCode requestDeviceCode(App app, String workspaceId);

  /** One poll of the token endpoint with the device code grant. */
  DevicePoll pollDeviceToken(App app, Secret deviceCode);

  /**
   * What Coze answered to a device code request.
   *
   * @param deviceCode what the gateway polls with; secret
   * @param userCode what the end user types at {@code verificationUri}
   * @param verificationUri where the end user goes
   * @param expiresIn how long both codes live (a duration on the wire, unlike token expiries)
   * @param interval the least pause between two polls
   */
  record DeviceCode(
      Secret deviceCode,
      String userCode,
      URI verificationUri,
      Duration expiresIn,
      Duration interval,
      String logId) {
    public DeviceCode {
      Objects.requireNonNull(deviceCode, "deviceCode");
      Objects.requireNonNull(userCode, "userCode");
      Objects.requireNonNull(verificationUri, "verificationUri");
      Objects.requireNonNull(expiresIn, "expiresIn");
      Objects.requireNonNull(interval, "interval");
      logId = logId == null ? "" : logId;
    }

    /** The verification URI with the user code filled in, as official clients build it. */
    public URI verificationUriComplete() {
      String separator = verificationUri.getRawQuery() == null ? "?" : "&";
      return URI.create(
          verificationUri
              + separator
              + "user_code="
              + java.net.URLEncoder.encode(userCode, java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  /** The outcome of one poll. */
  sealed interface DevicePoll {
    /** Coze's log id for the call, or empty. */
    String logId();

    /** The end user approved: the connection's tokens. */
    record Granted(TokenSet tokens, String logId) implements DevicePoll {}

    /** Not decided yet ({@code authorization_pending}). */
    record Pending(String logId) implements DevicePoll {}

    /** Polled too often ({@code slow_down}): add 5 s to the interval. */
    record SlowDown(String logId) implements DevicePoll {}

    /** The end user refused ({@code access_denied}). */
    record Denied(String logId) implements DevicePoll {}

    /** The device code expired ({@code expired_token}). */
    record Expired(String logId) implements DevicePoll {}

    /** Any other refusal, e.g. {@code invalid_grant} for a code already redeemed. */
    record Rejected(String errorCode, String message, String logId) implements DevicePoll {}
  }
}
