package dev.cozegateway.adapters.cozehttp;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.CozeOAuth;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CozeOAuth} over Coze's OAuth HTTP endpoints (Coze API reference §3.3–3.6, §3.9).
 *
 * <p>Every {@code java.net} and Jackson failure is translated here: callers see only {@link
 * GrantResult} values and {@link GatewayException}s. Messages never contain a token, code, verifier
 * or secret. Thread-safe: it holds a shared {@link HttpClient} and immutable settings only.
 */
final class HttpCozeOAuth implements CozeOAuth {
  static final String AUTHORIZE_PATH = "/api/permission/oauth2/authorize";
  static final String TOKEN_PATH = "/api/permission/oauth2/token";
  static final String LOGID_HEADER = "X-Tt-Logid";

  /** Metadata key of Coze's log id on the exceptions; Coze support asks for it. */
  static final String LOGID_METADATA = GatewayException.COZE_LOGID;

  /** Metadata key of Coze's OAuth {@code error_code} on the exceptions. */
  static final String ERROR_CODE_METADATA = GatewayException.COZE_ERROR_CODE;

  /** Coze's own messages are short; anything longer is not worth showing a client. */
  private static final int MAX_MESSAGE_CHARS = 300;

  private static final String REDACTED = "[redacted]";

  /** 9999-12-31T23:59:59Z: beyond it, {@code expires_in} is garbage, not a time. */
  private static final Instant LATEST_EXPIRY = Instant.parse("9999-12-31T23:59:59Z");

  private static final Logger log = LoggerFactory.getLogger(HttpCozeOAuth.class);

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private final HttpClient http;
  private final Duration requestTimeout;

  /**
   * @param http the client to send with; it owns the connect timeout and must not follow redirects
   * @param requestTimeout how long to wait for Coze's answer to one token request
   */
  HttpCozeOAuth(HttpClient http, Duration requestTimeout) {
    this.http = Objects.requireNonNull(http, "http");
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
  }

  @Override
  public URI authorizeUri(App app, String state, String codeChallenge) {
    requireCodeFlow(app);
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(codeChallenge, "codeChallenge");
    // Form encoding (space as '+'), the way the official clients build this URL (§3.4).
    String query =
        "response_type=code"
            + "&client_id="
            + form(app.clientId())
            + "&redirect_uri="
            + form(app.redirectUri().toString())
            + "&state="
            + form(state)
            + "&code_challenge="
            + form(codeChallenge)
            + "&code_challenge_method=S256";
    return URI.create(base(app.region().wwwBase()) + AUTHORIZE_PATH + "?" + query);
  }

  @Override
  public GrantResult exchangeCode(App app, String code, Secret codeVerifier) {
    requireCodeFlow(app);
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(codeVerifier, "codeVerifier");
    ObjectNode body =
        JSON.createObjectNode()
            .put("grant_type", "authorization_code")
            .put("code", code)
            .put("client_id", app.clientId())
            .put("redirect_uri", app.redirectUri().toString())
            .put("code_verifier", codeVerifier.reveal());
    return requestTokens(app, "authorization_code", body, List.of(code, codeVerifier.reveal()));
  }

  @Override
  public GrantResult refresh(App app, Secret refreshToken) {
    Objects.requireNonNull(refreshToken, "refreshToken");
    if (app.type() == AppType.JWT) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_TYPE_NOT_SUPPORTED,
          "app " + app.id() + " is a JWT app, which gets no refresh tokens",
          Map.of());
    }
    ObjectNode body =
        JSON.createObjectNode()
            .put("grant_type", "refresh_token")
            .put("client_id", app.clientId())
            .put("refresh_token", refreshToken.reveal());
    return requestTokens(app, "refresh_token", body, List.of(refreshToken.reveal()));
  }

  /**
   * Sends one token request and interprets the answer.
   *
   * @param sentSecrets values sent in this request that must never appear in a message
   */
  private GrantResult requestTokens(
      App app, String grantType, ObjectNode body, List<String> sentSecrets) {
    URI endpoint = URI.create(base(app.region().apiBase()) + TOKEN_PATH);
    List<String> secrets = new ArrayList<>(sentSecrets);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(endpoint)
            .timeout(requestTimeout)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    if (app.type() == AppType.WEB) {
      // A Web app's secret travels as a bearer token, never in the body or as Basic (§3.4).
      // Public apps (PKCE, device) send no Authorization header at all (§3.5, §3.6).
      String clientSecret = app.clientSecret().reveal();
      request.header("Authorization", "Bearer " + clientSecret);
      secrets.add(clientSecret);
    }

    // Deliberately sent once, never retried (here or by the client): authorization codes and
    // refresh tokens are single-use. If Coze redeemed the token but its answer was lost (timeout,
    // reset connection, 5xx from a proxy), a retry would present a token that is already burned
    // and turn a transient failure into "re-authorization needed"; worse, Coze would have issued
    // a new refresh token that nobody saw. The caller gets Unavailable and decides.
    long started = System.nanoTime();
    HttpResponse<byte[]> response = send(request.build(), grantType, endpoint);
    long tookMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();

    JsonNode json = parseObject(response.body());
    String logId = logId(response, json);
    log.debug(
        "Coze token request grant_type={} endpoint={} status={} logid={} took={}ms",
        grantType,
        endpoint,
        response.statusCode(),
        logId,
        tookMillis);
    return interpret(response.statusCode(), json, grantType, logId, secrets);
  }

  private HttpResponse<byte[]> send(HttpRequest request, String grantType, URI endpoint) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpConnectTimeoutException e) {
      log.debug(
          "Coze token request grant_type={} endpoint={}: connect timeout", grantType, endpoint);
      throw unavailable("could not connect to Coze in time", "", null, e);
    } catch (HttpTimeoutException e) {
      log.debug(
          "Coze token request grant_type={} endpoint={}: no answer in time", grantType, endpoint);
      throw unavailable("Coze did not answer within " + requestTimeout, "", null, e);
    } catch (IOException e) {
      log.debug(
          "Coze token request grant_type={} endpoint={}: {}",
          grantType,
          endpoint,
          e.getClass().getSimpleName());
      // The IOException stays as the cause for operators' logs; its text names hosts, not tokens.
      throw unavailable("could not reach Coze (" + e.getClass().getSimpleName() + ")", "", null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable("interrupted while waiting for Coze", "", null, null);
    }
  }

  private static GrantResult interpret(
      int status, JsonNode json, String grantType, String logId, List<String> secrets) {
    if (status >= 500) {
      throw unavailable(
          "Coze answered HTTP " + status + describeError(json, secrets), logId, errorCode(json));
    }
    if (json == null) {
      // §2.1: a body that is not JSON, on any status, is a transport failure (a proxy page, …).
      throw unavailable("Coze answered HTTP " + status + " with a non-JSON body", logId, null);
    }
    String errorCode = errorCode(json);
    if (status / 100 == 2 && errorCode == null) {
      return new GrantResult.Granted(tokens(json, logId), logId);
    }
    if (status / 100 == 2) {
      // A success status with an error body is no documented answer of the token endpoint; it did
      // not clearly judge the grant, so it must not cost the end user their connection.
      throw unavailable(
          "Coze answered HTTP " + status + " with an error" + describeError(json, secrets),
          logId,
          errorCode);
    }
    if (status == 408 || status == 429) {
      // Throttling and request timeouts are transient; the code or token was not judged, so
      // calling it rejected would needlessly force the user to authorize again.
      throw unavailable("Coze answered HTTP " + status + describeError(json, secrets), logId, null);
    }
    if (status / 100 != 2 && status / 100 != 4) {
      throw unavailable("Coze answered unexpected HTTP " + status, logId, errorCode);
    }

    String code = errorCode != null ? errorCode : "http_" + status;
    String message = redact(errorMessage(json), secrets);
    Map<String, String> metadata = metadata(logId, code);
    switch (code) {
      case "internal_error" ->
          throw new GatewayException.Unavailable(
              Reason.COZE_UNAVAILABLE,
              "Coze failed internally (" + code + ": " + message + ")",
              metadata,
              null);
      case "invalid_client", "access_deny" ->
          throw new GatewayException.FailedPrecondition(
              Reason.APP_MISCONFIGURED, misconfigured(grantType, code, message), metadata);
      case "invalid_request" -> {
        // §3.1/§5.1: "invalid request: client_secret" means Coze registered the app as another
        // type than the gateway's configuration says.
        if (message.contains("client_secret")) {
          throw new GatewayException.FailedPrecondition(
              Reason.APP_MISCONFIGURED, misconfigured(grantType, code, message), metadata);
        }
      }
      default -> {}
    }
    // §7: any other 4xx judges this code or refresh token; the caller decides what it means.
    return new GrantResult.Rejected(code, message, logId);
  }

  private static TokenSet tokens(JsonNode json, String logId) {
    String accessToken = text(json, "access_token");
    String refreshToken = text(json, "refresh_token");
    Long expiresIn = unixSeconds(json.get("expires_in"));
    if (accessToken == null || refreshToken == null || expiresIn == null) {
      throw unavailable(
          "Coze's token response lacks "
              + (accessToken == null
                  ? "access_token"
                  : refreshToken == null ? "refresh_token" : "a numeric expires_in"),
          logId,
          null);
    }
    // expires_in is an absolute Unix time in seconds for tokens, not a lifetime (§3.3). A value
    // no clock can hold is taken as "already expired" rather than thrown: Coze has rotated the
    // refresh token by now, and losing the new one would cost the end user their connection.
    Instant expireTime;
    if (expiresIn < 0 || expiresIn > LATEST_EXPIRY.getEpochSecond()) {
      log.warn(
          "Coze sent an implausible expires_in {} (logid {}); treating the token as expired",
          expiresIn,
          logId);
      expireTime = Instant.EPOCH;
    } else {
      expireTime = Instant.ofEpochSecond(expiresIn);
    }
    return new TokenSet(Secret.of(accessToken), expireTime, Secret.of(refreshToken));
  }

  private static Long unixSeconds(JsonNode node) {
    if (node == null) {
      return null;
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    if (node.isTextual() && node.asText().matches("[0-9]{1,18}")) {
      return Long.parseLong(node.asText());
    }
    return null;
  }

  private static String misconfigured(String grantType, String code, String message) {
    return "Coze rejected the app's credentials or type on "
        + grantType
        + " ("
        + code
        + ": "
        + message
        + "); check the app's client id, secret, type and region";
  }

  /** The body as a JSON object, or {@code null} if it is anything else. */
  private static JsonNode parseObject(byte[] body) {
    try {
      JsonNode node = JSON.readTree(body);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      // Dropped on purpose: Jackson's message quotes the offending body text.
      return null;
    }
  }

  /** {@code X-Tt-Logid}, matched case-insensitively; else the body's {@code detail.logid}. */
  private static String logId(HttpResponse<?> response, JsonNode json) {
    String header = response.headers().firstValue(LOGID_HEADER).orElse("");
    if (!header.isBlank() || json == null) {
      return header.strip();
    }
    String fromBody = text(json.path("detail"), "logid");
    return fromBody == null ? "" : fromBody;
  }

  /** OAuth errors carry {@code error_code}; JS reads {@code error}, so fall back to it (§3.9). */
  private static String errorCode(JsonNode json) {
    if (json == null) {
      return null;
    }
    String code = text(json, "error_code");
    if (code == null) {
      code = text(json, "error");
    }
    if (code == null && json.path("code").isIntegralNumber() && json.path("code").asLong() != 0) {
      code = json.path("code").asText(); // a business envelope where an OAuth error was expected
    }
    return code;
  }

  private static String errorMessage(JsonNode json) {
    for (String field : List.of("error_message", "error_description", "msg")) {
      String message = text(json, field);
      if (message != null) {
        return message;
      }
    }
    return "";
  }

  private static String describeError(JsonNode json, List<String> secrets) {
    String code = errorCode(json);
    if (code == null) {
      return "";
    }
    return " (" + code + ": " + redact(errorMessage(json), secrets) + ")";
  }

  private static String text(JsonNode json, String field) {
    JsonNode node = json.get(field);
    return node != null && node.isTextual() && !node.asText().isBlank() ? node.asText() : null;
  }

  /**
   * Coze's message, with anything this request sent secretly blanked out and capped in length:
   * defence in depth in case Coze ever echoes a parameter.
   */
  private static String redact(String message, List<String> secrets) {
    String safe = message;
    for (String secret : secrets) {
      if (!secret.isEmpty()) {
        safe = safe.replace(secret, REDACTED);
      }
    }
    return safe.length() > MAX_MESSAGE_CHARS ? safe.substring(0, MAX_MESSAGE_CHARS) + "…" : safe;
  }

  private static Map<String, String> metadata(String logId, String errorCode) {
    if (logId.isEmpty()) {
      return errorCode == null ? Map.of() : Map.of(ERROR_CODE_METADATA, errorCode);
    }
    return errorCode == null
        ? Map.of(LOGID_METADATA, logId)
        : Map.of(LOGID_METADATA, logId, ERROR_CODE_METADATA, errorCode);
  }

  private static GatewayException.Unavailable unavailable(
      String message, String logId, String errorCode) {
    return unavailable(message, logId, errorCode, null);
  }

  private static GatewayException.Unavailable unavailable(
      String message, String logId, String errorCode, Throwable cause) {
    return new GatewayException.Unavailable(
        Reason.COZE_UNAVAILABLE, message, metadata(logId, errorCode), cause);
  }

  private static void requireCodeFlow(App app) {
    if (!app.type().usesAuthorizationCode()) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_TYPE_NOT_SUPPORTED,
          "app " + app.id() + " is a " + app.type() + " app; only WEB and PKCE apps use this flow",
          Map.of());
    }
    if (app.redirectUri() == null) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_MISCONFIGURED, "app " + app.id() + " has no redirect URI", Map.of());
    }
  }

  private static String base(URI uri) {
    String text = uri.toString();
    return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
  }

  private static String form(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
