package dev.cozegateway.sandbox;

import static dev.cozegateway.sandbox.SandboxTestClient.DEVICE_ID;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The device verification page and the {@code /_sandbox/device/…} controls, over HTTP. */
class DeviceVerificationTest {
  private static final String FORM = "application/x-www-form-urlencoded";
  private static final String JSON = "application/json";

  @RegisterExtension final SandboxFixture fixture = SandboxFixture.checkingLogIds();
  private final CozeSandbox sandbox = fixture.sandbox();
  private final SandboxTestClient http = fixture.http();

  @Test
  void thePageAtTheClientBuiltUrlPrefillsTheCode() {
    JsonNode codes = http.requestDeviceCodeBody("7391000000000000002");
    String userCode = codes.get("user_code").asText();
    // What clients build themselves (§3.8): verification_uri + "?user_code=" + user_code.
    String url = codes.get("verification_uri").asText() + "?user_code=" + userCode;

    HttpResponse<String> page = http.get(url.substring(sandbox.baseUrl().toString().length()));

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
    assertThat(page.body())
        .contains("value=\"" + userCode + "\"")
        .contains(DEVICE_ID)
        .contains("7391000000000000002")
        .contains("action=\"/oauth/device\"")
        .contains("value=\"approve\"")
        .contains("value=\"deny\"");
  }

  @Test
  void thePageWithoutACodeAsksForOne() {
    HttpResponse<String> page = http.get("/oauth/device");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("Enter the code").contains("name=\"user_code\"");
  }

  @Test
  void approvingOnThePageLetsTheDevicePollTokens() {
    JsonNode codes = http.deviceCode();

    HttpResponse<String> done =
        http.post(
            "/oauth/device",
            FORM,
            "user_code=" + codes.get("user_code").asText() + "&decision=approve");

    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(done.body()).contains("Device connected");
    HttpResponse<String> poll = http.pollDevice(DEVICE_ID, codes.get("device_code").asText(), null);
    assertThat(poll.statusCode()).as(poll.body()).isEqualTo(200);
    assertThat(http.json(poll).get("access_token").asText()).startsWith("czu_");
  }

  @Test
  void denyingOnThePageIsAccessDenied() {
    JsonNode codes = http.deviceCode();

    HttpResponse<String> done =
        http.post(
            "/oauth/device",
            FORM,
            "user_code=" + codes.get("user_code").asText().toLowerCase() + "&decision=deny");

    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(done.body()).contains("Request denied");
    http.assertOAuthError(
        http.pollDevice(DEVICE_ID, codes.get("device_code").asText(), null), 400, "access_denied");
  }

  @Test
  void anUnknownOrDecidedCodeOnThePageIsABadRequest() {
    HttpResponse<String> html =
        http.post(
            "/oauth/device", FORM, "user_code=BBBB-CCCC&decision=approve", "Accept", "text/html");
    assertThat(html.statusCode()).isEqualTo(400);
    assertThat(html.body()).contains("invalid request: user_code");

    String userCode = http.deviceCode().get("user_code").asText();
    http.post("/oauth/device", FORM, "user_code=" + userCode + "&decision=approve");
    HttpResponse<String> twice =
        http.post("/oauth/device", FORM, "user_code=" + userCode + "&decision=deny");
    assertThat(http.assertOAuthError(twice, 400, "invalid_request"))
        .isEqualTo("invalid request: user_code");

    HttpResponse<String> badDecision =
        http.post("/oauth/device", FORM, "user_code=" + userCode + "&decision=maybe");
    assertThat(http.assertOAuthError(badDecision, 400, "invalid_request"))
        .isEqualTo("invalid request: decision");
  }

  @Test
  void theControlRoutesApproveAndDeny() {
    JsonNode first = http.deviceCode();
    JsonNode second = http.deviceCode();

    HttpResponse<String> approved =
        http.post(
            "/_sandbox/device/approve",
            JSON,
            "{\"user_code\":\"" + first.get("user_code").asText() + "\"}");
    HttpResponse<String> denied =
        http.post(
            "/_sandbox/device/deny",
            JSON,
            "{\"user_code\":\"" + second.get("user_code").asText() + "\"}");

    assertThat(approved.statusCode()).isEqualTo(200);
    assertThat(http.json(approved).get("state").asText()).isEqualTo("approved");
    assertThat(http.json(denied).get("state").asText()).isEqualTo("denied");
    assertThat(http.pollDevice(DEVICE_ID, first.get("device_code").asText(), null).statusCode())
        .isEqualTo(200);
    http.assertOAuthError(
        http.pollDevice(DEVICE_ID, second.get("device_code").asText(), null), 400, "access_denied");
  }

  @Test
  void theControlRoutesRefuseUnknownCodes() {
    http.assertOAuthError(
        http.post("/_sandbox/device/approve", JSON, "{\"user_code\":\"ZZZZ-ZZZZ\"}"),
        400,
        "invalid_request");
    http.assertOAuthError(http.post("/_sandbox/device/deny", JSON, "{}"), 400, "invalid_request");
  }

  @Test
  void deviceCodesAndTheirPollsAreReadableOverHttp() {
    JsonNode codes = http.deviceCode();
    http.pollDevice(DEVICE_ID, codes.get("device_code").asText(), null);
    http.pollDevice(DEVICE_ID, codes.get("device_code").asText(), null);

    JsonNode body = http.json(http.get("/_sandbox/device/codes"));

    JsonNode entry = body.get("device_codes").get(0);
    assertThat(entry.get("device_code").asText()).isEqualTo(codes.get("device_code").asText());
    assertThat(entry.get("user_code").asText()).isEqualTo(codes.get("user_code").asText());
    assertThat(entry.get("client_id").asText()).isEqualTo(DEVICE_ID);
    assertThat(entry.get("workspace_id").isNull()).isTrue();
    assertThat(entry.get("state").asText()).isEqualTo("pending");
    assertThat(entry.get("expires_at").asLong())
        .isEqualTo(SandboxTestClient.T0.getEpochSecond() + 300);
    assertThat(entry.get("polls")).hasSize(2);
    assertThat(entry.get("polls").get(0).asLong())
        .isEqualTo(sandbox.devicePolls(codes.get("device_code").asText()).get(0).toEpochMilli());
  }
}
