package dev.cozegateway.sandbox;

import static dev.cozegateway.sandbox.SandboxTestClient.AUTHORIZE_PATH;
import static dev.cozegateway.sandbox.SandboxTestClient.PKCE_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.PKCE_REDIRECT;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_REDIRECT;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_REDIRECT_WITH_QUERY;
import static dev.cozegateway.sandbox.SandboxTestClient.authorizeQuery;
import static dev.cozegateway.sandbox.SandboxTestClient.location;
import static dev.cozegateway.sandbox.SandboxTestClient.query;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The browser half: authorize URL, consent page, and the redirect back to the app (§3.4). */
class AuthorizeFlowTest {
  @RegisterExtension final SandboxFixture fixture = SandboxFixture.checkingLogIds();
  private final CozeSandbox sandbox = fixture.sandbox();
  private final SandboxTestClient http = fixture.http();

  @Test
  void approvingRedirectsToTheAppWithACodeAndTheState() {
    String state = "a state/with spaces&symbols";
    String consentUrl =
        location(
            http.get(
                AUTHORIZE_PATH + "?" + authorizeQuery(WEB_ID, WEB_REDIRECT, state, null, null)));
    assertThat(consentUrl).startsWith(sandbox.baseUrl() + "/oauth/consent?authorize_key=");
    String key = query(consentUrl).get("authorize_key");

    HttpResponse<String> page =
        http.get(consentUrl.substring(sandbox.baseUrl().toString().length()));
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.body())
        .contains("method=\"post\" action=\"/oauth/consent\"")
        .contains("name=\"authorize_key\" value=\"" + key + "\"")
        .contains("name=\"decision\" value=\"approve\"")
        .contains("name=\"decision\" value=\"deny\"")
        .contains(WEB_ID);

    String back = location(http.decide(key, "approve"));
    assertThat(back).startsWith(WEB_REDIRECT + "?");
    Map<String, String> params = query(back);
    assertThat(params.get("code")).startsWith("code_").hasSize("code_".length() + 48);
    assertThat(params.get("state")).isEqualTo(state);
    assertThat(params).containsOnlyKeys("code", "state");
  }

  @Test
  void denyingRedirectsWithAccessDeniedAndNoCode() {
    String key = http.authorizeKey(authorizeQuery(WEB_ID, WEB_REDIRECT, "s1", null, null));

    Map<String, String> params = query(location(http.decide(key, "deny")));

    assertThat(params.get("error")).isEqualTo("access_denied");
    assertThat(params.get("error_description")).isNotBlank();
    assertThat(params.get("state")).isEqualTo("s1");
    assertThat(params).doesNotContainKey("code");
  }

  @Test
  void autoApproveSkipsTheConsentPage() {
    sandbox.setAutoApprove(true);

    String consentUrl =
        location(
            http.get(
                AUTHORIZE_PATH + "?" + authorizeQuery(WEB_ID, WEB_REDIRECT, "s2", null, null)));
    String back = location(http.get(consentUrl.substring(sandbox.baseUrl().toString().length())));

    assertThat(back).startsWith(WEB_REDIRECT + "?code=code_");
    assertThat(query(back).get("state")).isEqualTo("s2");
  }

  @Test
  void autoApproveCanBeSetInTheConfig() {
    try (CozeSandbox auto = CozeSandbox.start(SandboxTestClient.config().withAutoApprove(true))) {
      SandboxTestClient autoHttp = new SandboxTestClient(auto);
      String key = autoHttp.authorizeKey(authorizeQuery(WEB_ID, WEB_REDIRECT, "s", null, null));

      String back = location(autoHttp.get("/oauth/consent?authorize_key=" + key));

      assertThat(query(back).get("code")).startsWith("code_");
      autoHttp.assertEveryResponseCarriedLogId();
    }
  }

  @Test
  void anUnregisteredRedirectUriGetsA400AndNoRedirect() {
    HttpResponse<String> response =
        http.get(
            AUTHORIZE_PATH
                + "?"
                + authorizeQuery(WEB_ID, "https://evil.example/callback", "s", null, null));

    String message = http.assertOAuthError(response, 400, "invalid_request");
    assertThat(message).isEqualTo("invalid request: redirect_uri");
    assertThat(response.headers().firstValue("Location")).isEmpty();
  }

  @Test
  void aRedirectUriMustMatchExactlyNotByPrefix() {
    HttpResponse<String> response =
        http.get(
            AUTHORIZE_PATH
                + "?"
                + authorizeQuery(WEB_ID, WEB_REDIRECT + "/extra", "s", null, null));

    http.assertOAuthError(response, 400, "invalid_request");
  }

  @Test
  void browsersGetAnHtmlErrorPage() {
    HttpResponse<String> response =
        http.get(
            AUTHORIZE_PATH + "?" + authorizeQuery(WEB_ID, "https://evil.example/", "s", null, null),
            "Accept",
            "text/html,application/xhtml+xml");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(response.body()).contains("invalid request: redirect_uri");
  }

  @Test
  void anUnknownClientIsRejected() {
    HttpResponse<String> response =
        http.get(
            AUTHORIZE_PATH
                + "?"
                + authorizeQuery(
                    "99999999999999999999999999999999.app.coze", WEB_REDIRECT, "s", null, null));

    assertThat(http.assertOAuthError(response, 400, "invalid_request"))
        .isEqualTo("invalid request: client_id");
  }

  @Test
  void responseTypeMustBeCode() {
    String query = authorizeQuery(WEB_ID, WEB_REDIRECT, "s", null, null).replace("=code", "=token");

    HttpResponse<String> response = http.get(AUTHORIZE_PATH + "?" + query);

    assertThat(http.assertOAuthError(response, 400, "invalid_request"))
        .isEqualTo("invalid request: response_type");
  }

  @Test
  void anUnknownChallengeMethodIsRejected() {
    HttpResponse<String> response =
        http.get(AUTHORIZE_PATH + "?" + authorizeQuery(PKCE_ID, PKCE_REDIRECT, "s", "abc", "S512"));

    assertThat(http.assertOAuthError(response, 400, "invalid_request"))
        .isEqualTo("invalid request: code_challenge_method");
  }

  @Test
  void aPkceAppMustSendAChallenge() {
    HttpResponse<String> response =
        http.get(AUTHORIZE_PATH + "?" + authorizeQuery(PKCE_ID, PKCE_REDIRECT, "s", null, null));

    assertThat(http.assertOAuthError(response, 400, "invalid_request"))
        .isEqualTo("invalid request: code_challenge");
  }

  @Test
  void theWorkspaceVariantWorksLikeThePlainOne() {
    String consentUrl =
        location(
            http.get(
                "/api/permission/oauth2/workspace_id/7390000000000000001/authorize?"
                    + authorizeQuery(WEB_ID, WEB_REDIRECT, "ws", null, null)));
    String key = query(consentUrl).get("authorize_key");

    Map<String, String> params = query(location(http.decide(key, "approve")));

    assertThat(params.get("code")).startsWith("code_");
    assertThat(params.get("state")).isEqualTo("ws");
    assertThat(sandbox.approvedWorkspaces()).containsExactly("7390000000000000001");
  }

  @Test
  void anAbsentStateIsLeftOutAndAnEmptyOneEchoed() {
    // Go omits an empty state; Python and JS always send it, maybe empty (§3.5).
    String withoutState = http.authorizeKey(authorizeQuery(WEB_ID, WEB_REDIRECT, null, null, null));
    String withEmptyState = http.authorizeKey(authorizeQuery(WEB_ID, WEB_REDIRECT, "", null, null));

    assertThat(query(location(http.decide(withoutState, "approve")))).doesNotContainKey("state");
    assertThat(query(location(http.decide(withEmptyState, "approve")))).containsEntry("state", "");
  }

  @Test
  void aRedirectUriWithAQueryKeepsIt() {
    String key =
        http.authorizeKey(authorizeQuery(WEB_ID, WEB_REDIRECT_WITH_QUERY, "q", null, null));

    String back = location(http.decide(key, "approve"));

    assertThat(back).startsWith(WEB_REDIRECT_WITH_QUERY + "&code=code_");
    assertThat(query(back)).containsEntry("tenant", "a").containsEntry("state", "q");
  }

  @Test
  void aConsentDecisionIsSingleUse() {
    String key = http.authorizeKey(authorizeQuery(WEB_ID, WEB_REDIRECT, "s", null, null));
    location(http.decide(key, "approve"));

    HttpResponse<String> again = http.decide(key, "approve");

    assertThat(http.assertOAuthError(again, 400, "invalid_request"))
        .isEqualTo("invalid request: authorize_key");
  }

  @Test
  void anUnknownDecisionIsRejectedWithoutBurningTheRequest() {
    String key = http.authorizeKey(authorizeQuery(WEB_ID, WEB_REDIRECT, "s", null, null));

    HttpResponse<String> bad = http.decide(key, "maybe");

    assertThat(http.assertOAuthError(bad, 400, "invalid_request"))
        .isEqualTo("invalid request: decision");
    assertThat(query(location(http.decide(key, "approve")))).containsKey("code");
  }

  @Test
  void aPendingConsentExpiresAfterTenMinutes() {
    String key = http.authorizeKey(authorizeQuery(WEB_ID, WEB_REDIRECT, "s", null, null));
    sandbox.clock().advance(Duration.ofMinutes(10));

    HttpResponse<String> page = http.get("/oauth/consent?authorize_key=" + key);

    http.assertOAuthError(page, 400, "invalid_request");
  }
}
