package dev.cozegateway.domain.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.port.CozeOAuth.GrantResult;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What every {@link CozeOAuth} guarantees: the authorize URI carries the request, a code works
 * once, and refresh tokens rotate and are single-use. Extend it once per implementation.
 */
public abstract class CozeOAuthContract {
  private static final String VERIFIER = "contract-verifier-0123456789abcdefghijklmnopqrstuvwxyz";

  /** The implementation under test, talking to a Coze that knows {@link #app()}. */
  protected abstract CozeOAuth coze();

  /** A configured WEB app. */
  protected abstract App app();

  /** What the end user's approval at Coze yields: the code sent to the redirect URI. */
  protected abstract String approve(URI authorizeUri);

  /** The time by the Coze under test's clock. */
  protected abstract Instant now();

  private TokenSet connect() {
    String code = approve(coze().authorizeUri(app(), "state-1", challenge(VERIFIER), ""));
    GrantResult result = coze().exchangeCode(app(), code, Secret.of(VERIFIER));
    assertThat(result).isInstanceOf(GrantResult.Granted.class);
    return ((GrantResult.Granted) result).tokens();
  }

  @Test
  void theAuthorizeUriCarriesTheRequest() {
    URI uri = coze().authorizeUri(app(), "state-1", challenge(VERIFIER), "");

    Map<String, String> query = query(uri);
    assertThat(uri.getPath()).isEqualTo("/api/permission/oauth2/authorize");
    assertThat(query)
        .containsEntry("response_type", "code")
        .containsEntry("client_id", app().clientId())
        .containsEntry("redirect_uri", app().redirectUri().toString())
        .containsEntry("state", "state-1")
        .containsEntry("code_challenge", challenge(VERIFIER))
        .containsEntry("code_challenge_method", "S256");
  }

  @Test
  void theWorkspaceScopedAuthorizeUriCarriesTheSameRequest() {
    URI plain = coze().authorizeUri(app(), "state-1", challenge(VERIFIER), "");
    URI scoped = coze().authorizeUri(app(), "state-1", challenge(VERIFIER), "7390000000000000001");

    assertThat(scoped.getPath())
        .isEqualTo("/api/permission/oauth2/workspace_id/7390000000000000001/authorize");
    assertThat(query(scoped)).isEqualTo(query(plain));
  }

  @Test
  void aCodeFromTheWorkspaceScopedPageIsExchangedLikeAnyOther() {
    String code =
        approve(coze().authorizeUri(app(), "state-1", challenge(VERIFIER), "7390000000000000001"));

    assertThat(coze().exchangeCode(app(), code, Secret.of(VERIFIER)))
        .isInstanceOf(GrantResult.Granted.class);
  }

  @Test
  void anApprovedCodeIsExchangedForTokensThatExpireInTheFuture() {
    TokenSet tokens = connect();

    assertThat(tokens.accessToken().reveal()).isNotBlank();
    assertThat(tokens.refreshToken().reveal()).isNotBlank();
    assertThat(tokens.accessTokenExpireTime()).isAfter(now());
  }

  @Test
  void aCodeWorksOnce() {
    String code = approve(coze().authorizeUri(app(), "state-1", challenge(VERIFIER), ""));
    assertThat(coze().exchangeCode(app(), code, Secret.of(VERIFIER)))
        .isInstanceOf(GrantResult.Granted.class);

    assertThat(coze().exchangeCode(app(), code, Secret.of(VERIFIER)))
        .isInstanceOfSatisfying(
            GrantResult.Rejected.class, r -> assertThat(r.errorCode()).isEqualTo("invalid_grant"));
  }

  @Test
  void aCodeNeedsItsVerifier() {
    String code = approve(coze().authorizeUri(app(), "state-1", challenge(VERIFIER), ""));

    assertThat(coze().exchangeCode(app(), code, Secret.of(VERIFIER + "-wrong")))
        .isInstanceOf(GrantResult.Rejected.class);
  }

  @Test
  void refreshTokensRotateAndWorkOnce() {
    TokenSet first = connect();

    GrantResult refreshed = coze().refresh(app(), first.refreshToken());

    assertThat(refreshed).isInstanceOf(GrantResult.Granted.class);
    TokenSet second = ((GrantResult.Granted) refreshed).tokens();
    assertThat(second.accessToken()).isNotEqualTo(first.accessToken());
    assertThat(second.refreshToken()).isNotEqualTo(first.refreshToken());
    assertThat(coze().refresh(app(), first.refreshToken()))
        .isInstanceOfSatisfying(
            GrantResult.Rejected.class, r -> assertThat(r.errorCode()).isEqualTo("invalid_grant"));
    assertThat(coze().refresh(app(), second.refreshToken()))
        .isInstanceOf(GrantResult.Granted.class);
  }

  /** Unpadded base64url SHA-256: PKCE's S256. */
  protected static String challenge(String verifier) {
    try {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(
              MessageDigest.getInstance("SHA-256")
                  .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  protected static Map<String, String> query(URI uri) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      String[] kv = pair.split("=", 2);
      values.put(
          URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
          kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
    }
    return values;
  }
}
