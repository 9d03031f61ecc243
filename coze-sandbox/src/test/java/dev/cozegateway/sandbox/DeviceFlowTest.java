package dev.cozegateway.sandbox;

import static dev.cozegateway.sandbox.SandboxTestClient.DEVICE_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.DEVICE_INTERVAL;
import static dev.cozegateway.sandbox.SandboxTestClient.T0;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The device-code flow of §3.8: codes, polling answers, approval, expiry, single use. */
class DeviceFlowTest {
  @RegisterExtension final SandboxFixture fixture = SandboxFixture.checkingLogIds();
  private final CozeSandbox sandbox = fixture.sandbox();
  private final SandboxTestClient http = fixture.http();

  @Test
  void aDeviceCodeResponseCarriesDurationsNotTimestamps() {
    HttpResponse<String> response = http.requestDeviceCode(DEVICE_ID, null);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode body = http.json(response);
    // Exactly §3.8's fields: no verification_uri_complete, as on Coze.
    assertThat(body.properties())
        .extracting(Map.Entry::getKey)
        .containsExactly("device_code", "user_code", "verification_uri", "expires_in", "interval");
    assertThat(body.get("device_code").asText()).matches("[A-Za-z0-9]{40}");
    assertThat(body.get("user_code").asText())
        .matches("[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}");
    assertThat(body.get("verification_uri").asText())
        .isEqualTo(sandbox.baseUrl() + "/oauth/device");
    assertThat(body.get("expires_in").asLong()).isEqualTo(300);
    assertThat(body.get("interval").asLong()).isEqualTo(DEVICE_INTERVAL.toSeconds());
  }

  @Test
  void lifetimeAndIntervalComeFromTheConfig() {
    SandboxConfig config =
        SandboxTestClient.config()
            .withDeviceCodeLifetime(Duration.ofMinutes(30))
            .withDevicePollInterval(Duration.ofSeconds(7));
    try (CozeSandbox other = CozeSandbox.start(config)) {
      JsonNode body = new SandboxTestClient(other).deviceCode();

      assertThat(body.get("expires_in").asLong()).isEqualTo(1800);
      assertThat(body.get("interval").asLong()).isEqualTo(7);
    }
  }

  @Test
  void pollingIsPendingUntilApprovedThenYieldsTokensOnce() {
    JsonNode codes = http.deviceCode();
    String deviceCode = codes.get("device_code").asText();

    HttpResponse<String> pending = http.pollDevice(DEVICE_ID, deviceCode, null);
    assertThat(http.assertOAuthError(pending, 400, "authorization_pending")).isNotBlank();
    assertThat(http.json(pending).get("error_description").asText()).isNotBlank();

    sandbox.approveDevice(codes.get("user_code").asText());
    // Advancing the sandbox clock counts as time passing between polls: no sleeping.
    sandbox.clock().advance(DEVICE_INTERVAL);
    HttpResponse<String> granted = http.pollDevice(DEVICE_ID, deviceCode, null);

    assertThat(granted.statusCode()).as(granted.body()).isEqualTo(200);
    JsonNode tokens = http.json(granted);
    assertThat(tokens.properties())
        .extracting(Map.Entry::getKey)
        .containsExactly("access_token", "expires_in", "refresh_token");
    assertThat(tokens.get("access_token").asText()).matches("czu_[A-Za-z0-9]{64}");
    // Absolute, unlike the device response's expires_in.
    assertThat(tokens.get("expires_in").asLong())
        .isEqualTo(T0.plus(DEVICE_INTERVAL).plus(Duration.ofMinutes(15)).getEpochSecond());
    assertThat(sandbox.isAccessTokenValid(tokens.get("access_token").asText())).isTrue();

    sandbox.clock().advance(DEVICE_INTERVAL);
    HttpResponse<String> again = http.pollDevice(DEVICE_ID, deviceCode, null);
    http.assertOAuthError(again, 400, "invalid_grant");
    assertThat(http.json(again).has("error_description")).isFalse();
    assertThat(sandbox.deviceCodes().get(0).state()).isEqualTo(DeviceCodeInfo.REDEEMED);
  }

  @Test
  void deviceTokensRefreshWithoutASecret() {
    String refreshToken = approvedTokens().get("refresh_token").asText();

    HttpResponse<String> none = http.refresh(DEVICE_ID, refreshToken, null);
    assertThat(none.statusCode()).as(none.body()).isEqualTo(200);
    HttpResponse<String> emptyBearer =
        http.refresh(DEVICE_ID, http.json(none).get("refresh_token").asText(), "Bearer ");

    assertThat(emptyBearer.statusCode()).as(emptyBearer.body()).isEqualTo(200);
    assertThat(sandbox.stats().refreshRedemptions()).isEqualTo(2);
  }

  @Test
  void pollingFasterThanTheIntervalIsSlowDownAndEveryPollIsRecorded() {
    String deviceCode = http.deviceCode().get("device_code").asText();

    http.assertOAuthError(
        http.pollDevice(DEVICE_ID, deviceCode, null), 400, "authorization_pending");
    HttpResponse<String> tooSoon = http.pollDevice(DEVICE_ID, deviceCode, null);
    http.assertOAuthError(tooSoon, 400, "slow_down");
    assertThat(http.json(tooSoon).get("error_description").asText()).contains("1 s");
    sandbox.clock().advance(DEVICE_INTERVAL);
    http.assertOAuthError(
        http.pollDevice(DEVICE_ID, deviceCode, null), 400, "authorization_pending");

    List<Instant> polls = sandbox.devicePolls(deviceCode);
    assertThat(polls).hasSize(3).isSorted();
    // The gap after the advance includes it; the quick one does not.
    assertThat(Duration.between(polls.get(0), polls.get(1))).isLessThan(DEVICE_INTERVAL);
    assertThat(Duration.between(polls.get(1), polls.get(2)))
        .isGreaterThanOrEqualTo(DEVICE_INTERVAL);
  }

  @Test
  void aForcedSlowDownAnswersTheNextPollsHoweverTheyAreSpaced() {
    var issued = http.deviceCode();
    String deviceCode = issued.get("device_code").asText();
    sandbox.forceDeviceSlowDown(issued.get("user_code").asText(), 2);

    for (int i = 0; i < 2; i++) {
      sandbox.clock().advance(DEVICE_INTERVAL.multipliedBy(3));
      http.assertOAuthError(http.pollDevice(DEVICE_ID, deviceCode, null), 400, "slow_down");
    }
    sandbox.clock().advance(DEVICE_INTERVAL.multipliedBy(3));
    http.assertOAuthError(
        http.pollDevice(DEVICE_ID, deviceCode, null), 400, "authorization_pending");
    assertThatThrownBy(() -> sandbox.forceDeviceSlowDown("NOPE-NOPE", 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void pollTimesFollowTheWallClockEvenWhenTheSandboxClockIsFrozen() {
    String deviceCode = http.deviceCode().get("device_code").asText();
    Instant before = Instant.now();

    http.pollDevice(DEVICE_ID, deviceCode, null);

    // The fixture's clock is frozen at 2024; poll times are real time plus its (zero) offset.
    assertThat(sandbox.devicePolls(deviceCode).get(0))
        .isBetween(before.minusSeconds(1), Instant.now().plusSeconds(1));
  }

  @Test
  void aDeniedRequestIsAccessDenied() {
    JsonNode codes = http.deviceCode();
    sandbox.denyDevice(codes.get("user_code").asText());

    HttpResponse<String> response =
        http.pollDevice(DEVICE_ID, codes.get("device_code").asText(), null);

    http.assertOAuthError(response, 400, "access_denied");
    assertThat(http.json(response).get("error_description").asText()).contains("denied");
    assertThatThrownBy(() -> sandbox.approveDevice(codes.get("user_code").asText()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void codesExpireOnTheSandboxClock() {
    JsonNode codes = http.deviceCode();
    String deviceCode = codes.get("device_code").asText();
    sandbox.clock().advance(Duration.ofSeconds(299));
    http.assertOAuthError(
        http.pollDevice(DEVICE_ID, deviceCode, null), 400, "authorization_pending");

    sandbox.clock().advance(Duration.ofSeconds(1));
    HttpResponse<String> expired = http.pollDevice(DEVICE_ID, deviceCode, null);

    http.assertOAuthError(expired, 400, "expired_token");
    assertThat(http.json(expired).get("error_description").asText()).isNotBlank();
    assertThatThrownBy(() -> sandbox.approveDevice(codes.get("user_code").asText()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(sandbox.deviceCodes().get(0).state()).isEqualTo(DeviceCodeInfo.EXPIRED);
  }

  @Test
  void anApprovedCodeStillExpires() {
    JsonNode codes = http.deviceCode();
    sandbox.approveDevice(codes.get("user_code").asText());
    sandbox.clock().advance(Duration.ofMinutes(5));

    HttpResponse<String> response =
        http.pollDevice(DEVICE_ID, codes.get("device_code").asText(), null);

    http.assertOAuthError(response, 400, "expired_token");
  }

  @Test
  void theWorkspaceVariantRemembersTheWorkspace() {
    HttpResponse<String> scoped = http.requestDeviceCode(DEVICE_ID, "7391000000000000001");
    assertThat(scoped.statusCode()).as(scoped.body()).isEqualTo(200);
    http.deviceCode();

    assertThat(sandbox.deviceCodes())
        .extracting(DeviceCodeInfo::workspaceId)
        .containsExactly("7391000000000000001", null);
    assertThat(sandbox.deviceCodes().get(0).userCode())
        .isEqualTo(http.json(scoped).get("user_code").asText());
  }

  @Test
  void anEmptyBearerIsAcceptedAsJsSendsIt() {
    HttpResponse<String> codes =
        http.postJson(
            SandboxTestClient.DEVICE_CODE_PATH, Map.of("client_id", DEVICE_ID), "Bearer ");
    assertThat(codes.statusCode()).as(codes.body()).isEqualTo(200);

    HttpResponse<String> poll =
        http.pollDevice(DEVICE_ID, http.json(codes).get("device_code").asText(), "Bearer ");

    http.assertOAuthError(poll, 400, "authorization_pending");
  }

  @Test
  void onlyDeviceAppsGetDeviceCodes() {
    http.assertOAuthError(http.requestDeviceCode(WEB_ID, null), 400, "access_deny");
    assertThat(
            http.assertOAuthError(
                http.requestDeviceCode("99999999999999999999999999999999.app.coze", null),
                401,
                "invalid_client"))
        .contains("client_id");
    assertThat(
            http.assertOAuthError(
                http.postJson(SandboxTestClient.DEVICE_CODE_PATH, Map.of(), null),
                400,
                "invalid_request"))
        .isEqualTo("invalid request: client_id");
  }

  @Test
  void aDeviceAppThatSendsASecretIsRefused() {
    HttpResponse<String> response =
        http.postJson(
            SandboxTestClient.DEVICE_CODE_PATH, Map.of("client_id", DEVICE_ID), "Bearer secret");

    http.assertOAuthError(response, 401, "invalid_client");
  }

  @Test
  void aFormEncodedDeviceCodeRequestIsRefused() {
    HttpResponse<String> response =
        http.post(
            SandboxTestClient.DEVICE_CODE_PATH,
            "application/x-www-form-urlencoded",
            "client_id=" + DEVICE_ID);

    assertThat(http.assertOAuthError(response, 400, "invalid_request")).contains("Content-Type");
  }

  @Test
  void unknownOrForeignDeviceCodesAreInvalidGrants() {
    http.assertOAuthError(http.pollDevice(DEVICE_ID, "no-such-code", null), 400, "invalid_grant");
    String deviceCode = http.deviceCode().get("device_code").asText();

    // A web app has no device flow at all.
    http.assertOAuthError(
        http.pollDevice(WEB_ID, deviceCode, "Bearer " + WEB_SECRET), 400, "access_deny");
    assertThat(sandbox.devicePolls(deviceCode)).isEmpty();
    assertThatThrownBy(() -> sandbox.devicePolls("no-such-code"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aMissingDeviceCodeIsNamed() {
    HttpResponse<String> response =
        http.postJson(
            SandboxTestClient.TOKEN_PATH,
            Map.of("grant_type", SandboxTestClient.DEVICE_GRANT, "client_id", DEVICE_ID),
            null);

    assertThat(http.assertOAuthError(response, 400, "invalid_request"))
        .isEqualTo("invalid request: device_code");
  }

  @Test
  void userCodesAreMatchedLeniently() {
    JsonNode codes = http.deviceCode();
    String typed = codes.get("user_code").asText().replace("-", "").toLowerCase();

    sandbox.approveDevice(typed);

    assertThat(sandbox.deviceCodes().get(0).state()).isEqualTo(DeviceCodeInfo.APPROVED);
  }

  private JsonNode approvedTokens() {
    JsonNode codes = http.deviceCode();
    sandbox.approveDevice(codes.get("user_code").asText());
    HttpResponse<String> granted =
        http.pollDevice(DEVICE_ID, codes.get("device_code").asText(), null);
    assertThat(granted.statusCode()).as(granted.body()).isEqualTo(200);
    return http.json(granted);
  }
}
