package dev.cozegateway.adapters.cozehttp;

import static dev.cozegateway.adapters.cozehttp.SandboxBrowser.CALLBACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.port.CozeOAuth.GrantResult;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.RefreshTokenInfo;
import dev.cozegateway.sandbox.SandboxApp;
import dev.cozegateway.sandbox.SandboxStats;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The adapter against the Coze sandbox: the whole authorization-code flow, as a browser and the
 * gateway would drive it, for a Web app (client secret) and a PKCE app (none).
 */
class HttpCozeOAuthSandboxTest {
  private static final String WEB_CLIENT_ID = "11112222333344445555666677778888.app.coze";
  private static final String WEB_SECRET = "czvSandboxWebSecret0123456789abcdefghijklmnopqrst";
  private static final String PKCE_CLIENT_ID = "99990000111122223333444455556666.app.coze";

  private static final SecureRandom RANDOM = new SecureRandom();

  @RegisterExtension
  final SandboxBrowser browser =
      new SandboxBrowser(
          SandboxApp.web(WEB_CLIENT_ID, WEB_SECRET, CALLBACK.toString()),
          SandboxApp.pkce(PKCE_CLIENT_ID, CALLBACK.toString()));

  private final CozeSandbox sandbox = browser.sandbox();
  private final CozeOAuth oauth =
      TestApps.cozeOAuth(CozeHttpConfig.defaults(), OpenTelemetry.noop());

  @Test
  void webAppRunsTheWholeCodeFlowWithRotation() throws Exception {
    runCodeFlow(webApp());
  }

  @Test
  void pkceAppRunsTheWholeCodeFlowWithRotation() throws Exception {
    runCodeFlow(pkceApp());
  }

  @Test
  void aCodeIsSingleUse() throws Exception {
    App app = pkceApp();
    String verifier = verifier();
    String code = authorize(app, "state-1", s256(verifier));
    assertThat(oauth.exchangeCode(app, code, Secret.of(verifier)))
        .isInstanceOf(GrantResult.Granted.class);

    GrantResult again = oauth.exchangeCode(app, code, Secret.of(verifier));

    assertThat(again)
        .isInstanceOfSatisfying(
            GrantResult.Rejected.class,
            rejected -> {
              assertThat(rejected.errorCode()).isEqualTo("invalid_grant");
              assertThat(rejected.logId()).isNotBlank();
            });
  }

  @Test
  void aWrongVerifierIsRejected() throws Exception {
    App app = webApp();
    String code = authorize(app, "state-2", s256(verifier()));

    assertThat(oauth.exchangeCode(app, code, Secret.of(verifier())))
        .isInstanceOfSatisfying(
            GrantResult.Rejected.class,
            rejected -> assertThat(rejected.errorCode()).isEqualTo("invalid_grant"));
  }

  @Test
  void aWrongClientSecretMeansTheAppIsMisconfigured() throws Exception {
    App misconfigured =
        TestApps.web(sandbox.baseUrl(), WEB_CLIENT_ID, "not-the-secret-at-all", CALLBACK);
    String verifier = verifier();
    String code = authorize(misconfigured, "state-3", s256(verifier));

    assertThatThrownBy(() -> oauth.exchangeCode(misconfigured, code, Secret.of(verifier)))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED);
              assertThat(e.metadata()).containsKey("coze_logid");
              assertThat(e.getMessage()).doesNotContain("not-the-secret-at-all", code, verifier);
            });
  }

  @Test
  void aWebAppConfiguredAsPkceMeansTheAppIsMisconfigured() throws Exception {
    // Registered at Coze as a Web app, configured in the gateway as public: Coze answers
    // "invalid request: client_secret" (§5.1).
    App misconfigured = TestApps.pkce(sandbox.baseUrl(), WEB_CLIENT_ID, CALLBACK);
    String verifier = verifier();
    String code = authorize(misconfigured, "state-4", s256(verifier));

    assertThatThrownBy(() -> oauth.exchangeCode(misconfigured, code, Secret.of(verifier)))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED));
  }

  private void runCodeFlow(App app) throws Exception {
    String verifier = verifier();
    String state = "state " + RANDOM.nextInt(1_000_000) + " &=/";

    // The browser: from the authorize URI through consent (auto-approved) to the callback.
    String code = authorize(app, state, s256(verifier));
    assertThat(code).startsWith("code_");

    // The gateway redeems the code.
    GrantResult exchanged = oauth.exchangeCode(app, code, Secret.of(verifier));
    TokenSet first = granted(exchanged);
    assertThat(first.accessToken().reveal()).startsWith("czu_");
    // Absolute expiry: the sandbox's now plus Coze's 15 minutes, to the second.
    assertThat(first.accessTokenExpireTime())
        .isBetween(
            sandbox.clock().instant().plus(Duration.ofMinutes(14)),
            sandbox.clock().instant().plus(Duration.ofMinutes(15)));

    // A refresh rotates the refresh token.
    GrantResult refreshed = oauth.refresh(app, first.refreshToken());
    TokenSet second = granted(refreshed);
    assertThat(second.refreshToken()).isNotEqualTo(first.refreshToken());
    assertThat(second.accessToken()).isNotEqualTo(first.accessToken());

    // The old refresh token is dead: redeeming it again needs re-authorization.
    GrantResult reused = oauth.refresh(app, first.refreshToken());
    assertThat(reused)
        .isInstanceOfSatisfying(
            GrantResult.Rejected.class,
            rejected -> {
              assertThat(rejected.errorCode()).isEqualTo("invalid_grant");
              assertThat(rejected.logId()).isNotBlank();
              assertThat(rejected.message())
                  .doesNotContain(first.refreshToken().reveal(), WEB_SECRET);
            });

    assertThat(sandbox.stats()).isEqualTo(new SandboxStats(1, 1, 1));
    assertThat(sandbox.refreshTokens())
        .extracting(RefreshTokenInfo::state)
        .containsExactly(RefreshTokenInfo.USED, RefreshTokenInfo.ACTIVE);
  }

  private App webApp() {
    return TestApps.web(sandbox.baseUrl(), WEB_CLIENT_ID, WEB_SECRET, CALLBACK);
  }

  private App pkceApp() {
    return TestApps.pkce(sandbox.baseUrl(), PKCE_CLIENT_ID, CALLBACK);
  }

  /**
   * Plays the browser from the adapter's authorize URI to the app's redirect URI; returns the code
   * there after checking the state came back unchanged.
   */
  private String authorize(App app, String state, String challenge) throws Exception {
    Map<String, String> params =
        browser.followToRedirectUri(
            oauth.authorizeUri(app, state, challenge, ""), app.redirectUri());
    assertThat(params).containsEntry("state", state).doesNotContainKey("error");
    return params.get("code");
  }

  private static TokenSet granted(GrantResult result) {
    assertThat(result).isInstanceOf(GrantResult.Granted.class);
    assertThat(result.logId()).isNotBlank();
    return ((GrantResult.Granted) result).tokens();
  }

  private static String verifier() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String s256(String verifier) throws Exception {
    byte[] digest =
        MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
  }
}
