package dev.cozegateway.sandbox;

import static dev.cozegateway.sandbox.SandboxTestClient.WEB_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_REDIRECT;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_SECRET;
import static dev.cozegateway.sandbox.SandboxTestClient.authorizeQuery;
import static dev.cozegateway.sandbox.SandboxTestClient.location;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The test-only {@code /_sandbox/} surface, and its Java counterparts on {@link CozeSandbox}. */
class ControlSurfaceTest {
  private static final String JSON = "application/json";

  @RegisterExtension final SandboxFixture fixture = SandboxFixture.checkingLogIds();
  private final CozeSandbox sandbox = fixture.sandbox();
  private final SandboxTestClient http = fixture.http();

  @Test
  void autoApproveCanBeSwitchedOverHttp() {
    HttpResponse<String> on = http.post("/_sandbox/auto-approve", JSON, "{\"enabled\":true}");
    assertThat(on.statusCode()).isEqualTo(200);
    assertThat(http.json(on).get("enabled").asBoolean()).isTrue();
    String key = http.authorizeKey(authorizeQuery(WEB_ID, WEB_REDIRECT, "s", null, null));
    assertThat(location(http.get("/oauth/consent?authorize_key=" + key)))
        .startsWith(WEB_REDIRECT + "?code=code_");

    http.post("/_sandbox/auto-approve", JSON, "{\"enabled\":false}");
    String key2 = http.authorizeKey(authorizeQuery(WEB_ID, WEB_REDIRECT, "s", null, null));
    HttpResponse<String> page = http.get("/oauth/consent?authorize_key=" + key2);

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("Approve");
  }

  @Test
  void theClockCanBeAdvancedOverHttp() {
    long before = sandbox.clock().instant().getEpochSecond();

    HttpResponse<String> response =
        http.post("/_sandbox/clock/advance", JSON, "{\"seconds\":3600}");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = http.json(response);
    assertThat(body.get("now").asLong()).isEqualTo(before + 3600);
    assertThat(body.get("offset_seconds").asLong()).isEqualTo(3600);
    assertThat(sandbox.clock().offset()).isEqualTo(Duration.ofHours(1));
    assertThat(http.webTokens().get("expires_in").asLong()).isEqualTo(before + 3600 + 900);
  }

  @Test
  void accessTokensCanBeExpiredOverHttp() {
    String accessToken = http.webTokens().get("access_token").asText();
    assertThat(sandbox.isAccessTokenValid(accessToken)).isTrue();

    HttpResponse<String> response = http.post("/_sandbox/tokens/expire", JSON, "{}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(http.json(response).get("expired").asInt()).isEqualTo(1);
    assertThat(sandbox.isAccessTokenValid(accessToken)).isFalse();
  }

  @Test
  void accessTokensCanBeExpiredFromJavaWhileRefreshTokensSurvive() {
    JsonNode tokens = http.webTokens();

    sandbox.expireAccessTokens();

    assertThat(sandbox.isAccessTokenValid(tokens.get("access_token").asText())).isFalse();
    HttpResponse<String> refreshed =
        http.refresh(WEB_ID, tokens.get("refresh_token").asText(), "Bearer " + WEB_SECRET);
    assertThat(refreshed.statusCode()).isEqualTo(200);
    assertThat(sandbox.isAccessTokenValid(http.json(refreshed).get("access_token").asText()))
        .isTrue();
  }

  @Test
  void statsAndRefreshTokensAreReadableOverHttp() {
    String refresh = http.webTokens().get("refresh_token").asText();
    http.refresh(WEB_ID, refresh, "Bearer " + WEB_SECRET);
    http.refresh(WEB_ID, refresh, "Bearer " + WEB_SECRET);

    JsonNode stats = http.json(http.get("/_sandbox/stats"));
    JsonNode tokens = http.json(http.get("/_sandbox/refresh-tokens")).get("refresh_tokens");

    assertThat(stats.get("code_exchanges").asLong()).isEqualTo(1);
    assertThat(stats.get("refresh_redemptions").asLong()).isEqualTo(1);
    assertThat(stats.get("refresh_rejections").asLong()).isEqualTo(1);
    assertThat(tokens).hasSize(2);
    assertThat(tokens.get(0).get("refresh_token").asText()).isEqualTo(refresh);
    assertThat(tokens.get(0).get("client_id").asText()).isEqualTo(WEB_ID);
    assertThat(tokens.get(0).get("state").asText()).isEqualTo("used");
    assertThat(tokens.get(0).get("attempts").asInt()).isEqualTo(2);
    assertThat(tokens.get(1).get("state").asText()).isEqualTo("active");
  }

  @Test
  void badControlInputIsAnInvalidRequest() {
    http.assertOAuthError(
        http.post("/_sandbox/auto-approve", JSON, "{\"enabled\":\"yes\"}"), 400, "invalid_request");
    http.assertOAuthError(
        http.post("/_sandbox/clock/advance", JSON, "{\"seconds\":-5}"), 400, "invalid_request");
    http.assertOAuthError(
        http.post("/_sandbox/clock/advance", JSON, "{\"seconds\":1.5}"), 400, "invalid_request");
    http.assertOAuthError(http.post("/_sandbox/clock/advance", JSON, "[]"), 400, "invalid_request");
    assertThat(sandbox.clock().offset()).isZero();
  }

  @Test
  void theJavaAutoApproveSwitchWorks() {
    sandbox.setAutoApprove(true);
    String key = http.authorizeKey(authorizeQuery(WEB_ID, WEB_REDIRECT, "s", null, null));

    assertThat(http.get("/oauth/consent?authorize_key=" + key).statusCode()).isEqualTo(302);
  }
}
