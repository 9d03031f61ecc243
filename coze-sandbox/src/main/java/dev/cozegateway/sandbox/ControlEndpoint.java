package dev.cozegateway.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The test-only control surface under {@code /_sandbox/}, for tests that drive the sandbox over
 * HTTP (another process, or a script) rather than through {@link CozeSandbox}. JSON in and out; bad
 * input gets the §3.9 error shape.
 */
final class ControlEndpoint {
  static final String PREFIX = "/_sandbox/";

  private final SandboxClock clock;
  private final AtomicBoolean autoApprove;
  private final IssuedTokens tokens;
  private final RefreshHold refreshHold;
  private final List<SandboxWorkflow> workflows;
  private final WorkflowHooks workflowHooks;
  private final WorkflowRuns workflowRuns;
  private final DeviceCodeEndpoint deviceCodeEndpoint;
  private final DeviceCodes deviceCodes;
  private final JwtBearerGrant jwtGrant;

  ControlEndpoint(
      SandboxClock clock,
      AtomicBoolean autoApprove,
      IssuedTokens tokens,
      RefreshHold refreshHold,
      List<SandboxWorkflow> workflows,
      WorkflowHooks workflowHooks,
      WorkflowRuns workflowRuns,
      DeviceCodeEndpoint deviceCodeEndpoint,
      DeviceCodes deviceCodes,
      JwtBearerGrant jwtGrant) {
    this.clock = clock;
    this.autoApprove = autoApprove;
    this.tokens = tokens;
    this.refreshHold = refreshHold;
    this.workflows = workflows;
    this.workflowHooks = workflowHooks;
    this.workflowRuns = workflowRuns;
    this.deviceCodeEndpoint = deviceCodeEndpoint;
    this.deviceCodes = deviceCodes;
    this.jwtGrant = jwtGrant;
  }

  /** {@code POST /_sandbox/auto-approve {"enabled": bool}} → {@code {"enabled": bool}}. */
  void setAutoApprove(SandboxExchange exchange) throws IOException {
    try {
      JsonNode enabled = exchange.jsonBody().get("enabled");
      if (enabled == null || !enabled.isBoolean()) {
        throw OAuthException.invalidRequest("enabled");
      }
      autoApprove.set(enabled.booleanValue());
      ObjectNode body = exchange.newObject();
      body.put("enabled", autoApprove.get());
      exchange.sendJson(200, body);
    } catch (OAuthException e) {
      exchange.sendOAuthError(e);
    }
  }

  /**
   * {@code POST /_sandbox/clock/advance {"seconds": n}} (n ≥ 0) → {@code {"now": <unix s>,
   * "offset_seconds": <total>}}.
   */
  void advanceClock(SandboxExchange exchange) throws IOException {
    try {
      JsonNode seconds = exchange.jsonBody().get("seconds");
      if (seconds == null
          || !seconds.isIntegralNumber()
          || !seconds.canConvertToLong()
          || seconds.longValue() < 0) {
        throw OAuthException.invalidRequest("seconds");
      }
      clock.advance(Duration.ofSeconds(seconds.longValue()));
      ObjectNode body = exchange.newObject();
      body.put("now", clock.instant().getEpochSecond());
      body.put("offset_seconds", clock.offset().toSeconds());
      exchange.sendJson(200, body);
    } catch (OAuthException e) {
      exchange.sendOAuthError(e);
    }
  }

  /** {@code POST /_sandbox/tokens/expire} (any body) → {@code {"expired": <count>}}. */
  void expireAccessTokens(SandboxExchange exchange) throws IOException {
    ObjectNode body = exchange.newObject();
    body.put("expired", tokens.expireAccessTokens());
    exchange.sendJson(200, body);
  }

  /**
   * {@code POST /_sandbox/refreshes/hold {"enabled": bool, "drop": bool}} → {@code {"enabled":
   * bool, "held": <requests waiting>}}. Enabled, refresh requests wait before being processed;
   * disabled, the waiting ones proceed, or with {@code "drop": true} close without a response.
   */
  void holdRefreshes(SandboxExchange exchange) throws IOException {
    try {
      JsonNode request = exchange.jsonBody();
      JsonNode enabled = request.get("enabled");
      if (enabled == null || !enabled.isBoolean()) {
        throw OAuthException.invalidRequest("enabled");
      }
      JsonNode drop = request.get("drop");
      if (drop != null && !drop.isBoolean()) {
        throw OAuthException.invalidRequest("drop");
      }
      if (enabled.booleanValue()) {
        refreshHold.hold();
      } else {
        refreshHold.release(drop != null && drop.booleanValue());
      }
      ObjectNode body = exchange.newObject();
      body.put("enabled", refreshHold.enabled());
      body.put("held", refreshHold.held());
      exchange.sendJson(200, body);
    } catch (OAuthException e) {
      exchange.sendOAuthError(e);
    }
  }

  /**
   * {@code GET /_sandbox/stats} → the {@link SandboxStats} and {@link JwtStats} counters in
   * snake_case ({@code jwt_mints}, {@code jwt_rejections}, {@code jwt_jti_rejections}).
   */
  void stats(SandboxExchange exchange) throws IOException {
    SandboxStats stats = tokens.stats();
    JwtStats jwt = jwtGrant.stats();
    ObjectNode body = exchange.newObject();
    body.put("code_exchanges", stats.codeExchanges());
    body.put("refresh_redemptions", stats.refreshRedemptions());
    body.put("refresh_rejections", stats.refreshRejections());
    body.put("jwt_mints", jwt.mints());
    body.put("jwt_rejections", jwt.rejections());
    body.put("jwt_jti_rejections", jwt.jtiRejections());
    exchange.sendJson(200, body);
  }

  /**
   * {@code POST /_sandbox/device/approve} or {@code /deny} with {@code {"user_code": "…"}} → {@code
   * {"user_code", "state"}}; a user code with no pending request (unknown, expired, decided) is
   * {@code invalid request: user_code}.
   */
  void decideDevice(SandboxExchange exchange, boolean approve) throws IOException {
    try {
      JsonNode userCode = exchange.jsonBody().get("user_code");
      if (userCode == null || !userCode.isTextual() || userCode.textValue().isBlank()) {
        throw OAuthException.invalidRequest("user_code");
      }
      deviceCodeEndpoint.decide(userCode.textValue(), approve);
      ObjectNode body = exchange.newObject();
      body.put("user_code", userCode.textValue());
      body.put("state", approve ? DeviceCodeInfo.APPROVED : DeviceCodeInfo.DENIED);
      exchange.sendJson(200, body);
    } catch (OAuthException e) {
      exchange.sendOAuthError(e);
    }
  }

  /**
   * {@code GET /_sandbox/device/codes} → {@code {"device_codes": [{"device_code", "user_code",
   * "client_id", "workspace_id", "state", "expires_at", "polls": [<epoch ms>, …]}, …]}}, oldest
   * first; {@code expires_at} in Unix seconds on the sandbox clock, polls on the poll clock (see
   * {@link CozeSandbox#devicePolls}).
   */
  void deviceCodes(SandboxExchange exchange) throws IOException {
    ObjectNode body = exchange.newObject();
    ArrayNode list = body.putArray("device_codes");
    for (DeviceCodeInfo info : deviceCodes.all()) {
      ObjectNode item = list.addObject();
      item.put("device_code", info.deviceCode());
      item.put("user_code", info.userCode());
      item.put("client_id", info.clientId());
      item.put("workspace_id", info.workspaceId());
      item.put("state", info.state());
      item.put("expires_at", info.expiresAt().getEpochSecond());
      ArrayNode polls = item.putArray("polls");
      info.polls().forEach(poll -> polls.add(poll.toEpochMilli()));
    }
    exchange.sendJson(200, body);
  }

  /**
   * {@code GET /_sandbox/jwt/tokens} → {@code {"tokens": [{"access_token", "client_id",
   * "session_name", "account_id", "enterprise_id", "duration_seconds", "expires_in"}, …]}}, oldest
   * first.
   */
  void jwtTokens(SandboxExchange exchange) throws IOException {
    ObjectNode body = exchange.newObject();
    ArrayNode list = body.putArray("tokens");
    for (JwtTokenInfo info : jwtGrant.issued()) {
      ObjectNode item = list.addObject();
      item.put("access_token", info.accessToken());
      item.put("client_id", info.clientId());
      item.put("session_name", info.sessionName());
      item.put("account_id", info.accountId());
      item.put("enterprise_id", info.enterpriseId());
      item.put("duration_seconds", info.durationSeconds());
      item.put("expires_in", info.expiresIn());
    }
    exchange.sendJson(200, body);
  }

  /**
   * {@code GET /_sandbox/refresh-tokens} → {@code {"refresh_tokens": [{"refresh_token",
   * "client_id", "state", "attempts"}, …]}}, oldest first.
   */
  void refreshTokens(SandboxExchange exchange) throws IOException {
    ObjectNode body = exchange.newObject();
    ArrayNode list = body.putArray("refresh_tokens");
    for (RefreshTokenInfo info : tokens.refreshTokens()) {
      ObjectNode item = list.addObject();
      item.put("refresh_token", info.refreshToken());
      item.put("client_id", info.clientId());
      item.put("state", info.state());
      item.put("attempts", info.attempts());
    }
    exchange.sendJson(200, body);
  }

  /** {@code GET /_sandbox/workflows} → {@code {"workflows": [{"id", "name", "kind"}, …]}}. */
  void workflows(SandboxExchange exchange) throws IOException {
    ObjectNode body = exchange.newObject();
    ArrayNode list = body.putArray("workflows");
    for (SandboxWorkflow workflow : workflows) {
      ObjectNode item = list.addObject();
      item.put("id", workflow.id());
      item.put("name", workflow.name());
      item.put("kind", workflow.kind());
    }
    exchange.sendJson(200, body);
  }

  /**
   * {@code POST /_sandbox/workflows/force-error {"code": n, "times": m}} ({@code n} non-zero,
   * {@code m} ≥ 0, default 1; 0 disarms) → {@code {"pending": m}}: the next {@code m} workflow
   * calls answer the business error {@code n} before anything else is checked.
   */
  void forceWorkflowErrors(SandboxExchange exchange) throws IOException {
    try {
      JsonNode request = exchange.jsonBody();
      int code = requiredInt(request, "code");
      if (code == 0) {
        throw OAuthException.invalidRequest("code");
      }
      int times = optionalInt(request, "times", 1);
      workflowHooks.forceErrors(code, times);
      ObjectNode body = exchange.newObject();
      body.put("pending", workflowHooks.pendingForcedErrors());
      exchange.sendJson(200, body);
    } catch (OAuthException e) {
      exchange.sendOAuthError(e);
    }
  }

  /**
   * {@code POST /_sandbox/workflows/force-stream-error {"code": n, "message": s, "after_events":
   * k}} ({@code message} optional, {@code after_events} ≥ 0, default 0) → {@code {"armed": true}}:
   * the next stream run or stream resume sends {@code Error} once {@code k} events went out (at the
   * latest instead of its last event) and ends there.
   */
  void forceStreamError(SandboxExchange exchange) throws IOException {
    try {
      JsonNode request = exchange.jsonBody();
      int code = requiredInt(request, "code");
      if (code == 0) {
        throw OAuthException.invalidRequest("code");
      }
      JsonNode message = request.get("message");
      if (message != null && !message.isTextual()) {
        throw OAuthException.invalidRequest("message");
      }
      int afterEvents = optionalInt(request, "after_events", 0);
      workflowHooks.forceStreamError(
          new WorkflowHooks.StreamError(
              code,
              message == null ? BusinessException.defaultMessage(code) : message.textValue(),
              afterEvents));
      ObjectNode body = exchange.newObject();
      body.put("armed", true);
      exchange.sendJson(200, body);
    } catch (OAuthException e) {
      exchange.sendOAuthError(e);
    }
  }

  /**
   * {@code POST /_sandbox/workflows/async {"allowed": bool}} → {@code {"allowed": bool}}; not
   * allowed, {@code is_async} runs get 6003 as on a free plan.
   */
  void setAsyncRunsAllowed(SandboxExchange exchange) throws IOException {
    try {
      JsonNode allowed = exchange.jsonBody().get("allowed");
      if (allowed == null || !allowed.isBoolean()) {
        throw OAuthException.invalidRequest("allowed");
      }
      workflowHooks.setAsyncAllowed(allowed.booleanValue());
      ObjectNode body = exchange.newObject();
      body.put("allowed", workflowHooks.asyncAllowed());
      exchange.sendJson(200, body);
    } catch (OAuthException e) {
      exchange.sendOAuthError(e);
    }
  }

  /**
   * {@code GET /_sandbox/workflows/stats} → the {@link WorkflowStats} counters in snake_case, plus
   * {@code "disconnects": [{"workflow_id", "execute_id", "events_sent"}, …]}, oldest first.
   */
  void workflowStats(SandboxExchange exchange) throws IOException {
    WorkflowStats stats = workflowRuns.stats();
    ObjectNode body = exchange.newObject();
    body.put("sync_runs", stats.syncRuns());
    body.put("stream_runs", stats.streamRuns());
    body.put("async_runs", stats.asyncRuns());
    body.put("resumes", stats.resumes());
    body.put("stream_resumes", stats.streamResumes());
    body.put("history_queries", stats.historyQueries());
    body.put("rejections", stats.rejections());
    body.put("stream_disconnects", stats.streamDisconnects());
    ObjectNode byWorkflow = body.putObject("runs_by_workflow");
    stats.runsByWorkflow().forEach(byWorkflow::put);
    ArrayNode disconnects = body.putArray("disconnects");
    for (StreamDisconnect disconnect : workflowRuns.disconnects()) {
      ObjectNode item = disconnects.addObject();
      item.put("workflow_id", disconnect.workflowId());
      item.put("execute_id", disconnect.executeId());
      item.put("events_sent", disconnect.eventsSent());
    }
    exchange.sendJson(200, body);
  }

  private static int requiredInt(JsonNode request, String field) throws OAuthException {
    JsonNode value = request.get(field);
    if (value == null || !value.isIntegralNumber() || !value.canConvertToInt()) {
      throw OAuthException.invalidRequest(field);
    }
    return value.intValue();
  }

  private static int optionalInt(JsonNode request, String field, int fallback)
      throws OAuthException {
    if (request.get(field) == null) {
      return fallback;
    }
    int value = requiredInt(request, field);
    if (value < 0) {
      throw OAuthException.invalidRequest(field);
    }
    return value;
  }
}
