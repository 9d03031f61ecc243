package dev.cozegateway.adapters.cozehttp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.CozeDeviceFlow;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CozeDeviceFlow} over Coze's device code endpoints (Coze API reference §3.8, §3.9).
 *
 * <p>Every {@code java.net} and Jackson failure is translated here: callers see only {@link
 * DeviceCode} and {@link DevicePoll} values and {@link GatewayException}s. The device code and the
 * tokens never reach a log line or an exception. Thread-safe: a shared {@link HttpClient} and
 * immutable settings only.
 */
final class HttpCozeDeviceFlow implements CozeDeviceFlow {
  static final String DEVICE_CODE_PATH = OAuthEndpoints.OAUTH_PATH + "/device/code";
  static final String DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

  /** §3.8's defaults, for a response that leaves them out. */
  static final Duration DEFAULT_EXPIRES_IN = Duration.ofSeconds(300);

  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

  /** Beyond these a duration is garbage (or, for {@code expires_in}, a timestamp), not a choice. */
  private static final long MAX_EXPIRES_IN_SECONDS = Duration.ofDays(1).toSeconds();

  private static final long MAX_INTERVAL_SECONDS = Duration.ofHours(1).toSeconds();

  /** The polling answers (§3.8); they judge the poll even under a 429. */
  private static final Set<String> POLLING_CODES =
      Set.of("authorization_pending", "slow_down", "access_denied", "expired_token");

  private static final Logger log = LoggerFactory.getLogger(HttpCozeDeviceFlow.class);

  private final OAuthEndpoints endpoints;

  /**
   * @param http the client to send with; it owns the connect timeout and must not follow redirects
   * @param requestTimeout how long to wait for Coze's answer to one request
   */
  HttpCozeDeviceFlow(HttpClient http, Duration requestTimeout) {
    this.endpoints = new OAuthEndpoints(http, requestTimeout, log);
  }

  @Override
  public DeviceCode requestDeviceCode(App app, String workspaceId) {
    requireDeviceApp(app);
    String workspace = workspaceId == null ? "" : workspaceId;
    String path =
        workspace.isEmpty()
            ? DEVICE_CODE_PATH
            : OAuthEndpoints.OAUTH_PATH
                + "/workspace_id/"
                + OAuthEndpoints.segment(workspace)
                + "/device/code";
    // A public app: no Authorization header at all (§3.8).
    ObjectNode body = OAuthEndpoints.object().put("client_id", app.clientId());
    OAuthEndpoints.Reply reply =
        endpoints.post(OAuthEndpoints.endpoint(app, path), "device code request", body, null);
    OAuthEndpoints.Verdict verdict = OAuthEndpoints.judge(reply, List.of(), Set.of());
    if (verdict instanceof OAuthEndpoints.Verdict.Success success) {
      return deviceCode(success.json(), reply.logId());
    }
    OAuthEndpoints.Verdict.Refusal refusal = (OAuthEndpoints.Verdict.Refusal) verdict;
    // Nothing the end user did yet: Coze judged the app (or the workspace the caller named).
    throw new GatewayException.FailedPrecondition(
        Reason.APP_MISCONFIGURED,
        refused(
            app,
            "a device code" + (workspace.isEmpty() ? "" : " for workspace " + workspace),
            refusal),
        refusal.metadata());
  }

  @Override
  public DevicePoll pollDeviceToken(App app, Secret deviceCode) {
    requireDeviceApp(app);
    Objects.requireNonNull(deviceCode, "deviceCode");
    ObjectNode body =
        OAuthEndpoints.object()
            .put("client_id", app.clientId())
            .put("grant_type", DEVICE_GRANT)
            .put("device_code", deviceCode.reveal());
    OAuthEndpoints.Reply reply =
        endpoints.post(
            OAuthEndpoints.endpoint(app, OAuthEndpoints.TOKEN_PATH),
            "token request grant_type=device_code",
            body,
            null);
    OAuthEndpoints.Verdict verdict =
        OAuthEndpoints.judge(reply, List.of(deviceCode.reveal()), POLLING_CODES);
    String logId = reply.logId();
    if (verdict instanceof OAuthEndpoints.Verdict.Success success) {
      return new DevicePoll.Granted(endpoints.tokens(success.json(), logId, true), logId);
    }
    OAuthEndpoints.Verdict.Refusal refusal = (OAuthEndpoints.Verdict.Refusal) verdict;
    return switch (refusal.errorCode()) {
      case "authorization_pending" -> new DevicePoll.Pending(logId);
      case "slow_down" -> new DevicePoll.SlowDown(logId);
      case "access_denied" -> new DevicePoll.Denied(logId);
      case "expired_token" -> new DevicePoll.Expired(logId);
      case "invalid_client", "access_deny" ->
          throw new GatewayException.FailedPrecondition(
              Reason.APP_MISCONFIGURED, refused(app, "tokens", refusal), refusal.metadata());
      // Any other 4xx judges this device code (e.g. invalid_grant: already redeemed).
      default -> new DevicePoll.Rejected(refusal.errorCode(), refusal.message(), logId);
    };
  }

  private static DeviceCode deviceCode(JsonNode json, String logId) {
    String deviceCode = OAuthEndpoints.text(json, "device_code");
    // §3.8: a string, though the docs' table says Integer.
    String userCode =
        json.path("user_code").isIntegralNumber()
            ? json.path("user_code").asText()
            : OAuthEndpoints.text(json, "user_code");
    URI verificationUri = httpUri(OAuthEndpoints.text(json, "verification_uri"));
    if (deviceCode == null || userCode == null || verificationUri == null) {
      throw OAuthEndpoints.unavailable(
          "Coze's device code response lacks "
              + (deviceCode == null
                  ? "device_code"
                  : userCode == null ? "user_code" : "an absolute http(s) verification_uri"),
          logId,
          null);
    }
    // Unlike a token's, this expires_in is a lifetime in seconds (§3.3, §3.8).
    Duration expiresIn =
        seconds(json, "expires_in", DEFAULT_EXPIRES_IN, 1, MAX_EXPIRES_IN_SECONDS, logId);
    Duration interval = seconds(json, "interval", DEFAULT_INTERVAL, 0, MAX_INTERVAL_SECONDS, logId);
    return new DeviceCode(
        Secret.of(deviceCode), userCode, verificationUri, expiresIn, interval, logId);
  }

  private static Duration seconds(
      JsonNode json, String field, Duration absent, long min, long max, String logId) {
    JsonNode node = json.get(field);
    if (node == null || node.isNull()) {
      return absent;
    }
    Long value = OAuthEndpoints.unixSeconds(node);
    if (value == null || value < min || value > max) {
      throw OAuthEndpoints.unavailable(
          "Coze's device code response has an implausible " + field, logId, null);
    }
    return Duration.ofSeconds(value);
  }

  private static URI httpUri(String text) {
    if (text == null) {
      return null;
    }
    try {
      URI uri = new URI(text);
      boolean http =
          "https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme());
      return http && uri.getHost() != null ? uri : null;
    } catch (URISyntaxException e) {
      return null;
    }
  }

  private static String refused(App app, String what, OAuthEndpoints.Verdict.Refusal refusal) {
    return "Coze refused "
        + what
        + " to app "
        + app.id()
        + " at "
        + OAuthEndpoints.where(app)
        + " ("
        + refusal.errorCode()
        + ": "
        + refusal.message()
        + "); check that the app is registered in that region as a device app and is enabled";
  }

  private static void requireDeviceApp(App app) {
    if (app.type() != AppType.DEVICE) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_TYPE_NOT_SUPPORTED,
          "app " + app.id() + " is a " + app.type() + " app; only DEVICE apps use this flow",
          Map.of());
    }
  }
}
