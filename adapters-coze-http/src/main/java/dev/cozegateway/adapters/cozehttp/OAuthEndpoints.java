package dev.cozegateway.adapters.cozehttp;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;

/**
 * The plumbing every call to Coze's OAuth endpoints shares (§3.2, §3.3, §3.9): one JSON POST sent
 * exactly once, the log id, the verdict on Coze's answer, the token response, and messages with
 * whatever the request carried secretly blanked out.
 *
 * <p>Each adapter owns one, built with its own logger so operators filter by adapter. Thread-safe:
 * a shared {@link HttpClient} and immutable settings.
 */
final class OAuthEndpoints {
  static final String OAUTH_PATH = "/api/permission/oauth2";
  static final String TOKEN_PATH = OAUTH_PATH + "/token";
  static final String LOGID_HEADER = "X-Tt-Logid";

  /** Coze's own messages are short; anything longer is not worth showing a client. */
  private static final int MAX_MESSAGE_CHARS = 300;

  private static final String REDACTED = "[redacted]";

  /** 9999-12-31T23:59:59Z: beyond it, {@code expires_in} is garbage, not a time. */
  private static final Instant LATEST_EXPIRY = Instant.parse("9999-12-31T23:59:59Z");

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private final HttpClient http;
  private final Duration requestTimeout;
  private final Logger log;

  /**
   * @param http the client to send with; it owns the connect timeout and must not follow redirects
   * @param requestTimeout how long to wait for Coze's answer to one request
   * @param log the owning adapter's logger
   */
  OAuthEndpoints(HttpClient http, Duration requestTimeout, Logger log) {
    this.http = Objects.requireNonNull(http, "http");
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    this.log = Objects.requireNonNull(log, "log");
  }

  /** Coze's answer: the status, the body if it is a JSON object (else {@code null}), the log id. */
  record Reply(int status, JsonNode json, String logId) {}

  /** How Coze judged a request that reached it. */
  sealed interface Verdict {
    /** A 2xx without an error: the body to read. */
    record Success(JsonNode json) implements Verdict {}

    /**
     * A 4xx OAuth error that judges the request or the app.
     *
     * @param errorCode Coze's {@code error_code} (or {@code error}), else {@code http_<status>}
     * @param message Coze's message, redacted and capped
     */
    record Refusal(String errorCode, String message, String logId) implements Verdict {
      /** The exception metadata for this refusal: log id and error code. */
      Map<String, String> metadata() {
        return OAuthEndpoints.metadata(logId, errorCode);
      }
    }
  }

  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** {@code apiBase + path}, without a doubled slash. */
  static URI endpoint(App app, String path) {
    return URI.create(base(app.region().apiBase()) + path);
  }

  /** A base URL without its trailing slash, ready for a path. */
  static String base(URI uri) {
    String text = uri.toString();
    return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
  }

  /**
   * The API base URL's host, with its port if it names one ({@code api.coze.cn}; {@code
   * 127.0.0.1:8089} for a sandbox): what a JWT's {@code aud} names, as the Python, Go and Java
   * clients take it (§3.7).
   */
  static String apiHost(App app) {
    URI api = app.region().apiBase();
    return api.getPort() == -1 ? api.getHost() : api.getHost() + ":" + api.getPort();
  }

  /**
   * {@code Coze region coze.cn (API host api.coze.cn)}: what an operator needs to spot the
   * commonest misconfiguration, an app or key of the other region (§5.1).
   */
  static String where(App app) {
    return "Coze region " + app.region().label() + " (API host " + apiHost(app) + ")";
  }

  /** One path segment, percent-encoded (ids come from callers; none may add a path). */
  static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * POSTs {@code body} as JSON once and returns Coze's answer; a transport failure or timeout
   * throws {@link GatewayException.Unavailable}.
   *
   * <p>Deliberately sent once, never retried (here or by the client): authorization codes, refresh
   * tokens, device codes and JWTs are single-use. If Coze redeemed one but its answer was lost
   * (timeout, reset connection, 5xx from a proxy), a retry would present a grant that is already
   * burned and turn a transient failure into a rejection; worse, Coze would have issued tokens that
   * nobody saw. The caller gets Unavailable and decides.
   *
   * @param operation what this is, for the debug log (never a secret)
   * @param bearer the {@code Authorization: Bearer} credential, or {@code null} for none
   */
  Reply post(URI endpoint, String operation, ObjectNode body, String bearer) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(endpoint)
            .timeout(requestTimeout)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    long started = System.nanoTime();
    HttpResponse<byte[]> response = send(request.build(), operation, endpoint);
    long tookMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();

    JsonNode json = parseObject(response.body());
    String logId = logId(response, json);
    log.debug(
        "Coze {} endpoint={} status={} logid={} took={}ms",
        operation,
        endpoint,
        response.statusCode(),
        logId,
        tookMillis);
    return new Reply(response.statusCode(), json, logId);
  }

  private HttpResponse<byte[]> send(HttpRequest request, String operation, URI endpoint) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpConnectTimeoutException e) {
      log.debug("Coze {} endpoint={}: connect timeout", operation, endpoint);
      throw unavailable("could not connect to Coze in time", "", null, e);
    } catch (HttpTimeoutException e) {
      log.debug("Coze {} endpoint={}: no answer in time", operation, endpoint);
      throw unavailable("Coze did not answer within " + requestTimeout, "", null, e);
    } catch (IOException e) {
      log.debug("Coze {} endpoint={}: {}", operation, endpoint, e.getClass().getSimpleName());
      // The IOException stays as the cause for operators' logs; its text names hosts, not tokens.
      throw unavailable("could not reach Coze (" + e.getClass().getSimpleName() + ")", "", null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable("interrupted while waiting for Coze", "", null, null);
    }
  }

  /**
   * Judges Coze's answer. Throws {@link GatewayException.Unavailable} for everything that did not
   * clearly judge the request: a 5xx, a body that is not JSON (§2.1: a proxy page), a 2xx with an
   * error body, 408 and 429 (unless the error code is one of {@code decisiveCodes}), any status but
   * 2xx and 4xx, and {@code internal_error}.
   *
   * @param secrets values the request carried that must never appear in a message
   * @param decisiveCodes error codes that judge the request whatever the 4xx status (device
   *     polling's {@code slow_down} may well come as a 429)
   */
  static Verdict judge(Reply reply, List<String> secrets, Set<String> decisiveCodes) {
    int status = reply.status();
    JsonNode json = reply.json();
    String logId = reply.logId();
    if (status >= 500) {
      throw unavailable(
          "Coze answered HTTP " + status + describeError(json, secrets), logId, errorCode(json));
    }
    if (json == null) {
      throw unavailable("Coze answered HTTP " + status + " with a non-JSON body", logId, null);
    }
    String errorCode = errorCode(json);
    if (status / 100 == 2 && errorCode == null) {
      return new Verdict.Success(json);
    }
    if (status / 100 == 2) {
      // A success status with an error body is no documented answer of these endpoints; it did
      // not clearly judge the grant, so it must not cost the end user their connection.
      throw unavailable(
          "Coze answered HTTP " + status + " with an error" + describeError(json, secrets),
          logId,
          errorCode);
    }
    if ((status == 408 || status == 429) && !decisiveCodes.contains(errorCode)) {
      // Throttling and request timeouts are transient; the grant was not judged, so calling it
      // rejected would needlessly force the user to authorize again.
      throw unavailable("Coze answered HTTP " + status + describeError(json, secrets), logId, null);
    }
    if (status / 100 != 4) {
      throw unavailable("Coze answered unexpected HTTP " + status, logId, errorCode);
    }
    String code = errorCode != null ? errorCode : "http_" + status;
    String message = redact(errorMessage(json), secrets);
    if (code.equals("internal_error")) {
      throw new GatewayException.Unavailable(
          Reason.COZE_UNAVAILABLE,
          "Coze failed internally (" + code + ": " + message + ")",
          metadata(logId, code),
          null);
    }
    return new Verdict.Refusal(code, message, logId);
  }

  /**
   * The tokens of a token response (§3.3): {@code access_token}, the absolute {@code expires_in},
   * and {@code refresh_token} if {@code withRefreshToken}. A missing field throws Unavailable.
   *
   * <p>Without a refresh token the result carries an empty one, since {@link TokenSet} requires
   * one; a refresh token in such a response is ignored.
   */
  TokenSet tokens(JsonNode json, String logId, boolean withRefreshToken) {
    String accessToken = text(json, "access_token");
    String refreshToken = withRefreshToken ? text(json, "refresh_token") : "";
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
    // expires_in is an absolute Unix time in seconds for tokens, not a lifetime (§3.3).
    Instant expireTime;
    if (expiresIn < 0 || expiresIn > LATEST_EXPIRY.getEpochSecond()) {
      if (!withRefreshToken) {
        // Nothing single-use is lost by refusing it: the caller signs a fresh JWT.
        throw unavailable("Coze sent an implausible expires_in", logId, null);
      }
      // A value no clock can hold is taken as "already expired" rather than thrown: Coze has
      // rotated the refresh token by now, and losing the new one would cost the end user their
      // connection.
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

  /** A whole number of seconds, as a JSON number or a string of digits; else {@code null}. */
  static Long unixSeconds(JsonNode node) {
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

  /** A non-blank string field, or {@code null}. */
  static String text(JsonNode json, String field) {
    JsonNode node = json.get(field);
    return node != null && node.isTextual() && !node.asText().isBlank() ? node.asText() : null;
  }

  static Map<String, String> metadata(String logId, String errorCode) {
    if (logId.isEmpty()) {
      return errorCode == null ? Map.of() : Map.of(GatewayException.COZE_ERROR_CODE, errorCode);
    }
    return errorCode == null
        ? Map.of(GatewayException.COZE_LOGID, logId)
        : Map.of(GatewayException.COZE_LOGID, logId, GatewayException.COZE_ERROR_CODE, errorCode);
  }

  static GatewayException.Unavailable unavailable(String message, String logId, String errorCode) {
    return unavailable(message, logId, errorCode, null);
  }

  static GatewayException.Unavailable unavailable(
      String message, String logId, String errorCode, Throwable cause) {
    return new GatewayException.Unavailable(
        Reason.COZE_UNAVAILABLE, message, metadata(logId, errorCode), cause);
  }

  /** The body as a JSON object, or {@code null} if it is anything else. */
  static JsonNode parseObject(byte[] body) {
    try {
      JsonNode node = JSON.readTree(body);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      // Dropped on purpose: Jackson's message quotes the offending body text.
      return null;
    }
  }

  /** {@code X-Tt-Logid}, matched case-insensitively; else the body's {@code detail.logid}. */
  static String logId(HttpResponse<?> response, JsonNode json) {
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

  /**
   * Coze's message, with anything the request sent secretly blanked out and capped in length:
   * defence in depth in case Coze ever echoes a parameter.
   */
  static String redact(String message, List<String> secrets) {
    String safe = message;
    for (String secret : secrets) {
      if (!secret.isEmpty()) {
        safe = safe.replace(secret, REDACTED);
      }
    }
    return safe.length() > MAX_MESSAGE_CHARS ? safe.substring(0, MAX_MESSAGE_CHARS) + "…" : safe;
  }
}
