package dev.cozegateway.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
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

  ControlEndpoint(
      SandboxClock clock, AtomicBoolean autoApprove, IssuedTokens tokens, RefreshHold refreshHold) {
    this.clock = clock;
    this.autoApprove = autoApprove;
    this.tokens = tokens;
    this.refreshHold = refreshHold;
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

  /** {@code GET /_sandbox/stats} → the {@link SandboxStats} counters in snake_case. */
  void stats(SandboxExchange exchange) throws IOException {
    SandboxStats stats = tokens.stats();
    ObjectNode body = exchange.newObject();
    body.put("code_exchanges", stats.codeExchanges());
    body.put("refresh_redemptions", stats.refreshRedemptions());
    body.put("refresh_rejections", stats.refreshRejections());
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
}
