package dev.cozegateway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Drives a sandbox over real loopback HTTP, the way a browser and an OAuth client would. Records
 * every response so a test can check that each one carried a well-formed {@code X-Tt-Logid}.
 */
final class SandboxTestClient {
  static final Instant T0 = Instant.parse("2024-07-04T12:00:00Z");

  static final String WEB_ID = "10000000000000000000000000000001.app.coze";
  static final String WEB_SECRET = "czvWebSecretForTests0000000000000000000000000000";
  static final String WEB_REDIRECT = "https://web.example/callback";
  static final String WEB_REDIRECT_WITH_QUERY = "https://web.example/cb?tenant=a";
  static final String OTHER_WEB_ID = "30000000000000000000000000000003.app.coze";
  static final String OTHER_WEB_SECRET = "czvOtherSecretForTests000000000000000000000000";
  static final String PKCE_ID = "20000000000000000000000000000002.app.coze";
  static final String PKCE_REDIRECT = "http://127.0.0.1:9999/callback";

  static final String DEVICE_ID = "40000000000000000000000000000004.app.coze";
  static final String JWT_ID = "50000000000000000000000000000005.app.coze";
  static final String JWT_KID = "test-kid-0001";
  static final Duration DEVICE_INTERVAL = Duration.ofSeconds(1);

  static final String TOKEN_PATH = "/api/permission/oauth2/token";
  static final String DEVICE_CODE_PATH = "/api/permission/oauth2/device/code";
  static final String DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
  static final String JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
  static final String AUTHORIZE_PATH = "/api/permission/oauth2/authorize";
  static final Pattern LOG_ID = Pattern.compile("\\d{14}[0-9A-F]{20}");

  static final String ECHO = "7000000000000000001";
  static final String STREAM = "7000000000000000002";
  static final String QUESTION = "7000000000000000003";
  static final String OPEN_QUESTION = "7000000000000000004";
  static final String FAIL = "7000000000000000005";
  static final String SLOW = "7000000000000000006";
  static final String QUICK = "7000000000000000007";
  static final String LARGE = "7000000000000000008";
  static final String LONG_STREAM = "7000000000000000009";
  static final int LARGE_BYTES = 2_000_000;
  static final List<String> STREAM_MESSAGES = List.of("Why did ", "the ruler ", "go?");

  /** One workflow of each kind, fast enough for unit tests. */
  static final List<SandboxWorkflow> WORKFLOWS =
      List.of(
          new SandboxWorkflow.Echo(ECHO, "echo"),
          new SandboxWorkflow.Streaming(
              STREAM, "joke", STREAM_MESSAGES, Duration.ofMillis(10), Duration.ZERO),
          new SandboxWorkflow.Question(QUESTION, "capital", "Capital of France?", "Paris"),
          new SandboxWorkflow.Question(OPEN_QUESTION, "weather", "Which city?", null),
          new SandboxWorkflow.Failing(FAIL, "broken", 4013, "Model service error"),
          new SandboxWorkflow.Slow(SLOW, "slow", Duration.ofSeconds(30), Duration.ZERO),
          new SandboxWorkflow.Slow(QUICK, "quick", Duration.ofMillis(120), Duration.ofMillis(25)),
          new SandboxWorkflow.LargeOutput(LARGE, "large", LARGE_BYTES),
          new SandboxWorkflow.Streaming(
              LONG_STREAM,
              "endless",
              java.util.Collections.nCopies(500, "tick "),
              Duration.ofMillis(10),
              Duration.ZERO));

  private final CozeSandbox sandbox;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final ObjectMapper json = new ObjectMapper();
  private final List<HttpResponse<String>> responses =
      Collections.synchronizedList(new ArrayList<>());

  SandboxTestClient(CozeSandbox sandbox) {
    this.sandbox = sandbox;
  }

  /**
   * Five apps (two web, PKCE, device, JWT), Coze's lifetimes, a 1 s device poll interval, consent
   * asked for, and a clock frozen at {@link #T0}.
   */
  static SandboxConfig config() {
    return SandboxConfig.defaults()
        .withClock(new SandboxClock(InstantSource.fixed(T0)))
        .withApp(SandboxApp.web(WEB_ID, WEB_SECRET, WEB_REDIRECT, WEB_REDIRECT_WITH_QUERY))
        .withApp(SandboxApp.web(OTHER_WEB_ID, OTHER_WEB_SECRET, WEB_REDIRECT))
        .withApp(SandboxApp.pkce(PKCE_ID, PKCE_REDIRECT))
        .withApp(SandboxApp.device(DEVICE_ID))
        .withApp(SandboxApp.jwt(JWT_ID, JWT_KID, TestJwts.KEYS.getPublic()))
        .withDevicePollInterval(DEVICE_INTERVAL)
        .withWorkflows(WORKFLOWS);
  }

  // ---- raw HTTP ----

  HttpResponse<String> get(String pathAndQuery, String... headers) {
    return send(request(pathAndQuery, headers).GET().build());
  }

  HttpResponse<String> post(String path, String contentType, String body, String... headers) {
    HttpRequest.Builder builder = request(path, headers);
    if (contentType != null) {
      builder.header("Content-Type", contentType);
    }
    return send(builder.POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  /** POSTs {@code fields} (nulls left out) as JSON, with Go's content type. */
  HttpResponse<String> postJson(String path, Map<String, ?> fields, String authorization) {
    Map<String, Object> present = new LinkedHashMap<>();
    fields.forEach(
        (name, value) -> {
          if (value != null) {
            present.put(name, value);
          }
        });
    String body;
    try {
      body = json.writeValueAsString(present);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return authorization == null
        ? post(path, "application/json; charset=utf-8", body)
        : post(path, "application/json; charset=utf-8", body, "Authorization", authorization);
  }

  JsonNode json(HttpResponse<String> response) {
    return json(response.body());
  }

  JsonNode json(String text) {
    try {
      return json.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Asserts the §3.9 error shape with this status and code; returns the message. */
  String assertOAuthError(HttpResponse<String> response, int status, String errorCode) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    JsonNode body = json(response);
    assertThat(body.path("error_code").asText()).isEqualTo(errorCode);
    assertThat(body.path("error").asText()).isEqualTo(errorCode);
    assertThat(body.path("error_message").asText()).isNotBlank();
    return body.path("error_message").asText();
  }

  static String location(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
    return response.headers().firstValue("Location").orElseThrow();
  }

  /** The decoded query parameters of a URL. */
  static Map<String, String> query(String url) {
    Map<String, String> params = new LinkedHashMap<>();
    String raw = URI.create(url).getRawQuery();
    if (raw == null) {
      return params;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      params.put(
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return params;
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** Asserts that every response this client saw carried a well-formed log id. */
  void assertEveryResponseCarriedLogId() {
    synchronized (responses) {
      for (HttpResponse<String> response : responses) {
        assertThat(response.headers().firstValue("X-Tt-Logid"))
            .as("X-Tt-Logid on %s %s", response.request().method(), response.uri().getPath())
            .hasValueSatisfying(id -> assertThat(id).matches(LOG_ID));
      }
    }
  }

  // ---- OAuth flows ----

  /** An authorize query; null values are left out. */
  static String authorizeQuery(
      String clientId, String redirectUri, String state, String challenge, String method) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("response_type", "code");
    params.put("client_id", clientId);
    params.put("redirect_uri", redirectUri);
    params.put("state", state);
    params.put("code_challenge", challenge);
    params.put("code_challenge_method", method);
    StringBuilder query = new StringBuilder();
    params.forEach(
        (name, value) -> {
          if (value != null) {
            query.append(query.length() == 0 ? "" : "&").append(name).append('=');
            query.append(encode(value));
          }
        });
    return query.toString();
  }

  /** GETs the authorize URL and returns the consent page's authorize_key. */
  String authorizeKey(String query) {
    String consent = location(get(AUTHORIZE_PATH + "?" + query));
    assertThat(consent).startsWith(sandbox.baseUrl() + "/oauth/consent?authorize_key=");
    return query(consent).get("authorize_key");
  }

  /** POSTs the consent form. */
  HttpResponse<String> decide(String authorizeKey, String decision) {
    return post(
        "/oauth/consent",
        "application/x-www-form-urlencoded",
        "authorize_key=" + encode(authorizeKey) + "&decision=" + decision);
  }

  /** Authorize, approve, and return the code from the redirect. */
  String approvedCode(String clientId, String redirectUri, String challenge, String method) {
    String key = authorizeKey(authorizeQuery(clientId, redirectUri, "st", challenge, method));
    String back = location(decide(key, "approve"));
    assertThat(back).startsWith(redirectUri);
    return query(back).get("code");
  }

  HttpResponse<String> exchange(
      String clientId, String code, String redirectUri, String verifier, String authorization) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("grant_type", "authorization_code");
    body.put("code", code);
    body.put("redirect_uri", redirectUri);
    body.put("client_id", clientId);
    body.put("code_verifier", verifier);
    return postJson(TOKEN_PATH, body, authorization);
  }

  HttpResponse<String> refresh(String clientId, String refreshToken, String authorization) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("grant_type", "refresh_token");
    body.put("client_id", clientId);
    body.put("refresh_token", refreshToken);
    return postJson(TOKEN_PATH, body, authorization);
  }

  /** A web app's successful code exchange, as a parsed token body. */
  JsonNode webTokens() {
    String code = approvedCode(WEB_ID, WEB_REDIRECT, null, null);
    HttpResponse<String> response =
        exchange(WEB_ID, code, WEB_REDIRECT, null, "Bearer " + WEB_SECRET);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response);
  }

  // ---- device flow ----

  /** POSTs {@code {"client_id"}} to the device-code endpoint, or its workspace variant. */
  HttpResponse<String> requestDeviceCode(String clientId, String workspaceId) {
    String path =
        workspaceId == null
            ? DEVICE_CODE_PATH
            : "/api/permission/oauth2/workspace_id/" + workspaceId + "/device/code";
    return postJson(path, Map.of("client_id", clientId), null);
  }

  /** A successful device-code response for {@link #DEVICE_ID}. */
  JsonNode deviceCode() {
    HttpResponse<String> response = requestDeviceCode(DEVICE_ID, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response);
  }

  /** A successful workspace-scoped device-code response for {@link #DEVICE_ID}. */
  JsonNode requestDeviceCodeBody(String workspaceId) {
    HttpResponse<String> response = requestDeviceCode(DEVICE_ID, workspaceId);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response);
  }

  /** One token poll with a device code. */
  HttpResponse<String> pollDevice(String clientId, String deviceCode, String authorization) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("grant_type", DEVICE_GRANT);
    body.put("client_id", clientId);
    body.put("device_code", deviceCode);
    return postJson(TOKEN_PATH, body, authorization);
  }

  // ---- JWT ----

  /** The claims of a good JWT for {@link #JWT_ID} at the sandbox's current time. */
  Map<String, Object> jwtClaims() {
    return TestJwts.claims(JWT_ID, sandbox.jwtAudience(), sandbox.clock().instant());
  }

  /** A good JWT for {@link #JWT_ID}, signed with {@link TestJwts#KEYS}. */
  String jwt() {
    return TestJwts.sign(TestJwts.KEYS.getPrivate(), TestJwts.header(JWT_KID), jwtClaims());
  }

  /** A JWT for {@link #JWT_ID} with these claims. */
  static String jwt(Map<String, Object> claims) {
    return TestJwts.sign(TestJwts.KEYS.getPrivate(), TestJwts.header(JWT_KID), claims);
  }

  /** POSTs a JWT-bearer token request to {@code path} with {@code body} (grant_type added). */
  HttpResponse<String> jwtGrant(String path, String jwt, Map<String, ?> body) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("grant_type", JWT_GRANT);
    fields.putAll(body);
    return postJson(path, fields, jwt == null ? null : "Bearer " + jwt);
  }

  /** POSTs a JWT-bearer token request to the token endpoint with Java's body. */
  HttpResponse<String> jwtGrant(String jwt) {
    return jwtGrant(TOKEN_PATH, jwt, Map.of("duration_seconds", 900));
  }

  // ---- workflows ----

  /** A fresh, valid access token from a web app's code exchange. */
  String accessToken() {
    return webTokens().get("access_token").asText();
  }

  /** POSTs {@code body} (a JSON text) to a workflow endpoint with {@code Bearer token}. */
  HttpResponse<String> postWorkflow(String path, String token, String body) {
    return token == null
        ? post(path, "application/json", body)
        : post(path, "application/json", body, "Authorization", "Bearer " + token);
  }

  /** POSTs {@code fields} as JSON to a workflow endpoint with {@code Bearer token}. */
  HttpResponse<String> postWorkflow(String path, String token, Map<String, ?> fields) {
    try {
      return postWorkflow(path, token, json.writeValueAsString(fields));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** GETs a run history record. */
  HttpResponse<String> history(String token, String workflowId, String executeId) {
    return get(
        "/v1/workflows/" + workflowId + "/run_histories/" + executeId,
        "Authorization",
        "Bearer " + token);
  }

  /** The single element of a successful run history answer. */
  JsonNode historyRecord(String token, String workflowId, String executeId) {
    JsonNode body = assertSuccess(history(token, workflowId, executeId));
    assertThat(body.get("data").isArray()).isTrue();
    assertThat(body.get("data")).hasSize(1);
    return body.get("data").get(0);
  }

  /** Asserts HTTP 200, JSON, {@code "code": 0} and the log id in the body; returns the body. */
  JsonNode assertSuccess(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/json");
    JsonNode body = json(response);
    assertThat(body.has("code")).as(response.body()).isTrue();
    assertThat(body.get("code").asInt()).as(response.body()).isZero();
    assertThat(body.get("msg").asText()).isEmpty();
    assertThat(body.at("/detail/logid").asText())
        .isEqualTo(response.headers().firstValue("X-Tt-Logid").orElseThrow());
    return body;
  }

  /** Asserts a one-line business error envelope, HTTP 200, with {@code code}; returns the msg. */
  String assertBusinessError(HttpResponse<String> response, int code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/json");
    assertThat(response.body()).doesNotContain("\n");
    JsonNode body = json(response);
    assertThat(body.get("code").asInt()).as(response.body()).isEqualTo(code);
    assertThat(body.at("/detail/logid").asText())
        .isEqualTo(response.headers().firstValue("X-Tt-Logid").orElseThrow());
    return body.get("msg").asText();
  }

  /** A PKCE app's successful code exchange (S256), as a parsed token body. */
  JsonNode pkceTokens() {
    String verifier = "0123456789abcdef";
    String code = approvedCode(PKCE_ID, PKCE_REDIRECT, Pkce.s256(verifier), "S256");
    HttpResponse<String> response = exchange(PKCE_ID, code, PKCE_REDIRECT, verifier, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response);
  }

  private HttpRequest.Builder request(String pathAndQuery, String... headers) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + pathAndQuery))
            .timeout(Duration.ofSeconds(10));
    for (int i = 0; i < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
    }
    return builder;
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      responses.add(response);
      return response;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
