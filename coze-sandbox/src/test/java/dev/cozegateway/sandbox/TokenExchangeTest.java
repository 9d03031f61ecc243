package dev.cozegateway.sandbox;

import static dev.cozegateway.sandbox.SandboxTestClient.OTHER_WEB_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.OTHER_WEB_SECRET;
import static dev.cozegateway.sandbox.SandboxTestClient.PKCE_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.PKCE_REDIRECT;
import static dev.cozegateway.sandbox.SandboxTestClient.T0;
import static dev.cozegateway.sandbox.SandboxTestClient.TOKEN_PATH;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_REDIRECT;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code grant_type=authorization_code}: client authentication, PKCE, single use (§3.4, §3.5). */
class TokenExchangeTest {
  private static final String WEB_BEARER = "Bearer " + WEB_SECRET;

  @RegisterExtension final SandboxFixture fixture = SandboxFixture.checkingLogIds();
  private final CozeSandbox sandbox = fixture.sandbox();
  private final SandboxTestClient http = fixture.http();

  @Test
  void aWebAppExchangesItsCodeWithTheSecretAsBearer() {
    String code = http.approvedCode(WEB_ID, WEB_REDIRECT, null, null);

    HttpResponse<String> response = http.exchange(WEB_ID, code, WEB_REDIRECT, null, WEB_BEARER);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    JsonNode body = http.json(response);
    // The bare token object of §3.3: exactly these three, no code, no token_type.
    assertThat(body.properties())
        .extracting(Map.Entry::getKey)
        .containsExactly("access_token", "expires_in", "refresh_token");
    assertThat(body.get("access_token").asText()).matches("czu_[A-Za-z0-9]{64}");
    assertThat(body.get("refresh_token").asText()).matches("[A-Za-z0-9]{68}");
    assertThat(body.get("expires_in").isIntegralNumber()).isTrue();
    assertThat(sandbox.stats().codeExchanges()).isEqualTo(1);
    assertThat(sandbox.isAccessTokenValid(body.get("access_token").asText())).isTrue();
  }

  @Test
  void expiresInIsAnAbsoluteUnixTimeFromTheSandboxClock() {
    long first = http.webTokens().get("expires_in").asLong();
    assertThat(first).isEqualTo(T0.plus(Duration.ofMinutes(15)).getEpochSecond());

    sandbox.clock().advance(Duration.ofHours(1));
    long second = http.webTokens().get("expires_in").asLong();

    assertThat(second - first).isEqualTo(Duration.ofHours(1).toSeconds());
  }

  @Test
  void expiresInFollowsSystemTimeAndTheConfiguredLifetime() {
    SandboxConfig config =
        SandboxTestClient.config()
            .withClock(new SandboxClock())
            .withAccessTokenLifetime(Duration.ofMinutes(5));
    try (CozeSandbox live = CozeSandbox.start(config)) {
      long expected = Instant.now().plus(Duration.ofMinutes(5)).getEpochSecond();

      long expiresIn = new SandboxTestClient(live).webTokens().get("expires_in").asLong();

      assertThat(expiresIn).isCloseTo(expected, within(5L));
    }
  }

  @Test
  void aWebAppWithoutASecretIsAnInvalidClient() {
    String code = http.approvedCode(WEB_ID, WEB_REDIRECT, null, null);

    http.assertOAuthError(
        http.exchange(WEB_ID, code, WEB_REDIRECT, null, null), 401, "invalid_client");
    http.assertOAuthError(
        http.exchange(WEB_ID, code, WEB_REDIRECT, null, "Bearer "), 401, "invalid_client");

    // A refused client credential does not burn the code.
    assertThat(http.exchange(WEB_ID, code, WEB_REDIRECT, null, WEB_BEARER).statusCode())
        .isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"Bearer wrong-secret", "Basic d2ViOnNlY3JldA==", "Bearer " + OTHER_WEB_SECRET})
  void aWebAppWithAWrongCredentialIsAnInvalidClient(String authorization) {
    String code = http.approvedCode(WEB_ID, WEB_REDIRECT, null, null);

    HttpResponse<String> response = http.exchange(WEB_ID, code, WEB_REDIRECT, null, authorization);

    http.assertOAuthError(response, 401, "invalid_client");
  }

  @Test
  void aPkceExchangeForAWebAppAsksForTheClientSecret() {
    // §3.1 / §5.1: the app is registered as confidential but the client behaves as a public one.
    String verifier = "0123456789abcdef";
    String code = http.approvedCode(WEB_ID, WEB_REDIRECT, Pkce.s256(verifier), "S256");

    HttpResponse<String> response = http.exchange(WEB_ID, code, WEB_REDIRECT, verifier, null);

    assertThat(http.assertOAuthError(response, 400, "invalid_request"))
        .isEqualTo("invalid request: client_secret");
  }

  @Test
  void pkceWithS256AndNoAuthorizationHeader() {
    // The vector of §3.5.
    String code =
        http.approvedCode(
            PKCE_ID, PKCE_REDIRECT, "73oehA2tBul5grZPhXUGQwNAjxh69zNES8bu2bVD0EM", "S256");

    HttpResponse<String> response =
        http.exchange(PKCE_ID, code, PKCE_REDIRECT, "code_verifier", null);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(http.json(response).get("access_token").asText()).startsWith("czu_");
  }

  @Test
  void pkcePlainIsTheDefaultMethodAndAnEmptyBearerIsAccepted() {
    // No code_challenge_method: plain (Python, Java); empty Bearer: Go and JS.
    String verifier = "plain-verifier-0123456789";
    String code = http.approvedCode(PKCE_ID, PKCE_REDIRECT, verifier, null);

    HttpResponse<String> response =
        http.exchange(PKCE_ID, code, PKCE_REDIRECT, verifier, "Bearer ");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"S256", "plain", "s256"})
  void shortVerifiersAreAccepted(String method) {
    // Go and Java send 16 hex characters, below RFC 7636's 43; Coze does not enforce a length.
    String verifier = "a1b2c3d4e5f60718";
    String challenge = method.equalsIgnoreCase("S256") ? Pkce.s256(verifier) : verifier;
    String code = http.approvedCode(PKCE_ID, PKCE_REDIRECT, challenge, method);

    HttpResponse<String> response = http.exchange(PKCE_ID, code, PKCE_REDIRECT, verifier, null);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  @Test
  void aWrongVerifierIsAnInvalidGrantAndBurnsTheCode() {
    String code = http.approvedCode(PKCE_ID, PKCE_REDIRECT, Pkce.s256("right-verifier"), "S256");

    http.assertOAuthError(
        http.exchange(PKCE_ID, code, PKCE_REDIRECT, "wrong-verifier", null), 400, "invalid_grant");
    http.assertOAuthError(
        http.exchange(PKCE_ID, code, PKCE_REDIRECT, "right-verifier", null), 400, "invalid_grant");
    assertThat(sandbox.stats().codeExchanges()).isZero();
  }

  @Test
  void aMissingVerifierIsAnInvalidRequest() {
    String code = http.approvedCode(PKCE_ID, PKCE_REDIRECT, Pkce.s256("v"), "S256");

    HttpResponse<String> response = http.exchange(PKCE_ID, code, PKCE_REDIRECT, null, null);

    assertThat(http.assertOAuthError(response, 400, "invalid_request"))
        .isEqualTo("invalid request: code_verifier");
  }

  @Test
  void aWebAppThatSentAChallengeMustProveIt() {
    String code = http.approvedCode(WEB_ID, WEB_REDIRECT, Pkce.s256("web-verifier"), "S256");

    HttpResponse<String> wrong =
        http.exchange(WEB_ID, code, WEB_REDIRECT, "not-the-verifier", WEB_BEARER);
    String code2 = http.approvedCode(WEB_ID, WEB_REDIRECT, Pkce.s256("web-verifier"), "S256");
    HttpResponse<String> right =
        http.exchange(WEB_ID, code2, WEB_REDIRECT, "web-verifier", WEB_BEARER);

    http.assertOAuthError(wrong, 400, "invalid_grant");
    assertThat(right.statusCode()).as(right.body()).isEqualTo(200);
  }

  @Test
  void aPublicAppThatSendsASecretIsRefused() {
    String code = http.approvedCode(PKCE_ID, PKCE_REDIRECT, "verifier", "plain");

    HttpResponse<String> response =
        http.exchange(PKCE_ID, code, PKCE_REDIRECT, "verifier", "Bearer some-secret");

    http.assertOAuthError(response, 401, "invalid_client");
  }

  @Test
  void aCodeWorksOnce() {
    String code = http.approvedCode(WEB_ID, WEB_REDIRECT, null, null);
    assertThat(http.exchange(WEB_ID, code, WEB_REDIRECT, null, WEB_BEARER).statusCode())
        .isEqualTo(200);

    HttpResponse<String> again = http.exchange(WEB_ID, code, WEB_REDIRECT, null, WEB_BEARER);

    http.assertOAuthError(again, 400, "invalid_grant");
    assertThat(sandbox.stats().codeExchanges()).isEqualTo(1);
  }

  @Test
  void aCodeExpiresAfterTenMinutes() {
    String code = http.approvedCode(WEB_ID, WEB_REDIRECT, null, null);
    sandbox.clock().advance(Duration.ofMinutes(10));

    HttpResponse<String> response = http.exchange(WEB_ID, code, WEB_REDIRECT, null, WEB_BEARER);

    http.assertOAuthError(response, 400, "invalid_grant");
  }

  @Test
  void anUnknownCodeIsAnInvalidGrant() {
    HttpResponse<String> response =
        http.exchange(WEB_ID, "code_doesnotexist", WEB_REDIRECT, null, WEB_BEARER);

    http.assertOAuthError(response, 400, "invalid_grant");
  }

  @Test
  void theRedirectUriMustMatchTheAuthorizeRequest() {
    String code = http.approvedCode(WEB_ID, WEB_REDIRECT, null, null);

    HttpResponse<String> response =
        http.exchange(WEB_ID, code, SandboxTestClient.WEB_REDIRECT_WITH_QUERY, null, WEB_BEARER);

    http.assertOAuthError(response, 400, "invalid_grant");
  }

  @Test
  void aCodeIssuedToAnotherClientIsAnInvalidGrant() {
    String code = http.approvedCode(WEB_ID, WEB_REDIRECT, null, null);

    HttpResponse<String> response =
        http.exchange(OTHER_WEB_ID, code, WEB_REDIRECT, null, "Bearer " + OTHER_WEB_SECRET);

    http.assertOAuthError(response, 400, "invalid_grant");
  }

  @Test
  void anUnknownClientIdIsAnInvalidClient() {
    HttpResponse<String> response =
        http.exchange(
            "99999999999999999999999999999999.app.coze", "code_x", WEB_REDIRECT, null, null);

    http.assertOAuthError(response, 401, "invalid_client");
  }

  @Test
  void missingParametersAreNamed() {
    HttpResponse<String> response =
        http.postJson(
            TOKEN_PATH,
            Map.of("grant_type", "authorization_code", "client_id", WEB_ID),
            WEB_BEARER);

    assertThat(http.assertOAuthError(response, 400, "invalid_request"))
        .isEqualTo("invalid request: code");
  }

  @Test
  void aFormEncodedBodyIsRejected() {
    String code = http.approvedCode(WEB_ID, WEB_REDIRECT, null, null);

    HttpResponse<String> response =
        http.post(
            TOKEN_PATH,
            "application/x-www-form-urlencoded",
            "grant_type=authorization_code&code="
                + code
                + "&client_id="
                + WEB_ID
                + "&redirect_uri="
                + SandboxTestClient.encode(WEB_REDIRECT),
            "Authorization",
            WEB_BEARER);

    assertThat(http.assertOAuthError(response, 400, "invalid_request")).contains("Content-Type");
  }

  @Test
  void plainApplicationJsonIsAcceptedToo() {
    String code = http.approvedCode(WEB_ID, WEB_REDIRECT, null, null);
    String body =
        "{\"grant_type\":\"authorization_code\",\"code\":\""
            + code
            + "\",\"redirect_uri\":\""
            + WEB_REDIRECT
            + "\",\"client_id\":\""
            + WEB_ID
            + "\"}";

    HttpResponse<String> response =
        http.post(TOKEN_PATH, "Application/JSON", body, "Authorization", WEB_BEARER);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  @Test
  void malformedJsonIsAnInvalidRequest() {
    HttpResponse<String> response = http.post(TOKEN_PATH, "application/json", "{\"grant_type\":");

    http.assertOAuthError(response, 400, "invalid_request");
  }

  @Test
  void anUnsupportedGrantTypeIsNamed() {
    HttpResponse<String> response =
        http.postJson(TOKEN_PATH, Map.of("grant_type", "password", "client_id", WEB_ID), null);

    assertThat(http.assertOAuthError(response, 400, "unsupported_grant_type"))
        .isEqualTo("not supported grant type: password");
  }

  @Test
  void aMissingGrantTypeIsAnInvalidRequest() {
    HttpResponse<String> response = http.postJson(TOKEN_PATH, Map.of("client_id", WEB_ID), null);

    assertThat(http.assertOAuthError(response, 400, "invalid_request"))
        .isEqualTo("invalid request: grant_type");
  }

  @Test
  void theTokenEndpointTakesPostOnly() {
    HttpResponse<String> response = http.get(TOKEN_PATH);

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("Allow")).hasValue("POST");
  }
}
