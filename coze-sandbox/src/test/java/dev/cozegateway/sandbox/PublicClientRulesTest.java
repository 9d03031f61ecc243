package dev.cozegateway.sandbox;

import static dev.cozegateway.sandbox.SandboxTestClient.DEVICE_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.JWT_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.PKCE_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.PKCE_REDIRECT;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_REDIRECT;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which app types send a secret (§3.1, §3.5, §3.6, §5.1), beyond {@link TokenExchangeTest}: the
 * shapes Go and JS send (an empty {@code Bearer }), and flows an app type does not have.
 */
class PublicClientRulesTest {
  @RegisterExtension final SandboxFixture fixture = SandboxFixture.checkingLogIds();
  private final SandboxTestClient http = fixture.http();

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"Bearer ", "Bearer"})
  void aPkceShapedExchangeForAWebAppAsksForTheClientSecret(String authorization) {
    String verifier = "0123456789abcdef";
    String code = http.approvedCode(WEB_ID, WEB_REDIRECT, Pkce.s256(verifier), "S256");

    HttpResponse<String> response =
        http.exchange(WEB_ID, code, WEB_REDIRECT, verifier, authorization);

    assertThat(http.assertOAuthError(response, 400, "invalid_request"))
        .isEqualTo("invalid request: client_secret");
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"Bearer ", "Bearer"})
  void aPkceAppExchangesAndRefreshesWithoutACredential(String authorization) {
    String code = http.approvedCode(PKCE_ID, PKCE_REDIRECT, Pkce.s256("verifier-1"), "S256");
    HttpResponse<String> exchanged =
        http.exchange(PKCE_ID, code, PKCE_REDIRECT, "verifier-1", authorization);
    assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);

    HttpResponse<String> refreshed =
        http.refresh(PKCE_ID, http.json(exchanged).get("refresh_token").asText(), authorization);

    assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
  }

  @Test
  void aWebRefreshWithAnEmptyBearerIsAnInvalidClient() {
    String refreshToken = http.webTokens().get("refresh_token").asText();

    http.assertOAuthError(http.refresh(WEB_ID, refreshToken, "Bearer "), 401, "invalid_client");
  }

  @Test
  void deviceAndJwtAppsCannotUseTheBrowserFlow() {
    HttpResponse<String> device =
        http.exchange(DEVICE_ID, "code_x", "https://x.example/cb", null, null);
    HttpResponse<String> jwt = http.exchange(JWT_ID, "code_x", "https://x.example/cb", null, null);
    HttpResponse<String> authorize =
        http.get(
            SandboxTestClient.AUTHORIZE_PATH
                + "?"
                + SandboxTestClient.authorizeQuery(
                    DEVICE_ID, "https://x.example/cb", "s", "challenge", "plain"));

    assertThat(http.assertOAuthError(device, 400, "access_deny")).isEqualTo("invalid app type");
    http.assertOAuthError(jwt, 400, "access_deny");
    http.assertOAuthError(authorize, 400, "access_deny");
  }
}
