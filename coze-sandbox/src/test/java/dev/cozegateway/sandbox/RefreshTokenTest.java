package dev.cozegateway.sandbox;

import static dev.cozegateway.sandbox.SandboxTestClient.OTHER_WEB_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.OTHER_WEB_SECRET;
import static dev.cozegateway.sandbox.SandboxTestClient.PKCE_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.T0;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code grant_type=refresh_token} with rotation: every refresh token works once (§3.6). */
class RefreshTokenTest {
  private static final String WEB_BEARER = "Bearer " + WEB_SECRET;

  @RegisterExtension final SandboxFixture fixture = SandboxFixture.checkingLogIds();
  private final CozeSandbox sandbox = fixture.sandbox();
  private final SandboxTestClient http = fixture.http();

  @Test
  void aRefreshRotatesAndTheOldTokenDies() {
    JsonNode first = http.webTokens();
    String oldRefresh = first.get("refresh_token").asText();

    HttpResponse<String> refreshed = http.refresh(WEB_ID, oldRefresh, WEB_BEARER);
    assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
    JsonNode second = http.json(refreshed);
    assertThat(second.get("access_token").asText())
        .startsWith("czu_")
        .isNotEqualTo(first.get("access_token").asText());
    assertThat(second.get("refresh_token").asText()).hasSize(68).isNotEqualTo(oldRefresh);
    assertThat(second.get("expires_in").asLong())
        .isEqualTo(T0.plus(Duration.ofMinutes(15)).getEpochSecond());

    HttpResponse<String> reuse = http.refresh(WEB_ID, oldRefresh, WEB_BEARER);
    http.assertOAuthError(reuse, 400, "invalid_grant");

    HttpResponse<String> next =
        http.refresh(WEB_ID, second.get("refresh_token").asText(), WEB_BEARER);
    assertThat(next.statusCode()).as(next.body()).isEqualTo(200);

    assertThat(sandbox.refreshTokens())
        .extracting(RefreshTokenInfo::clientId, RefreshTokenInfo::state, RefreshTokenInfo::attempts)
        .containsExactly(
            tuple(WEB_ID, "used", 2), tuple(WEB_ID, "used", 1), tuple(WEB_ID, "active", 0));
    assertThat(sandbox.refreshTokens().get(0).refreshToken()).isEqualTo(oldRefresh);
    assertThat(sandbox.stats()).isEqualTo(new SandboxStats(1, 2, 1));
  }

  @Test
  void aPublicAppRefreshesWithNoHeaderOrAnEmptyBearer() {
    String refresh = http.pkceTokens().get("refresh_token").asText();

    HttpResponse<String> noHeader = http.refresh(PKCE_ID, refresh, null);
    assertThat(noHeader.statusCode()).as(noHeader.body()).isEqualTo(200);
    HttpResponse<String> emptyBearer =
        http.refresh(PKCE_ID, http.json(noHeader).get("refresh_token").asText(), "Bearer ");

    assertThat(emptyBearer.statusCode()).as(emptyBearer.body()).isEqualTo(200);
  }

  @Test
  void aWebRefreshNeedsTheSecretAndAFailedAttemptDoesNotBurnTheToken() {
    String refresh = http.webTokens().get("refresh_token").asText();

    http.assertOAuthError(http.refresh(WEB_ID, refresh, null), 401, "invalid_client");
    http.assertOAuthError(http.refresh(WEB_ID, refresh, "Bearer nope"), 401, "invalid_client");
    assertThat(sandbox.refreshTokens().get(0).state()).isEqualTo(RefreshTokenInfo.ACTIVE);

    assertThat(http.refresh(WEB_ID, refresh, WEB_BEARER).statusCode()).isEqualTo(200);
    assertThat(sandbox.refreshTokens().get(0).attempts()).isEqualTo(3);
    assertThat(sandbox.stats().refreshRejections()).isEqualTo(2);
  }

  // Repeated: a race that is lost only sometimes must not pass by luck.
  @RepeatedTest(5)
  void ofConcurrentRefreshesWithOneTokenExactlyOneSucceeds() throws Exception {
    String refresh = http.webTokens().get("refresh_token").asText();
    int callers = 20;
    CountDownLatch ready = new CountDownLatch(callers);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      List<Future<HttpResponse<String>>> results = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        results.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  return http.refresh(WEB_ID, refresh, WEB_BEARER);
                }));
      }
      assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
      go.countDown();

      List<HttpResponse<String>> responses = new ArrayList<>();
      for (Future<HttpResponse<String>> result : results) {
        responses.add(result.get(30, TimeUnit.SECONDS));
      }

      assertThat(responses).filteredOn(r -> r.statusCode() == 200).hasSize(1);
      List<HttpResponse<String>> losers =
          responses.stream().filter(r -> r.statusCode() != 200).toList();
      assertThat(losers).hasSize(callers - 1);
      losers.forEach(r -> http.assertOAuthError(r, 400, "invalid_grant"));
    } finally {
      pool.shutdownNow();
    }
    assertThat(sandbox.stats()).isEqualTo(new SandboxStats(1, 1, callers - 1));
    RefreshTokenInfo info = sandbox.refreshTokens().get(0);
    assertThat(info.state()).isEqualTo(RefreshTokenInfo.USED);
    assertThat(info.attempts()).isEqualTo(callers);
  }

  @Test
  void anExpiredRefreshTokenIsAnInvalidGrant() {
    String refresh = http.webTokens().get("refresh_token").asText();
    sandbox.clock().advance(Duration.ofDays(30));

    HttpResponse<String> response = http.refresh(WEB_ID, refresh, WEB_BEARER);

    http.assertOAuthError(response, 400, "invalid_grant");
    assertThat(sandbox.refreshTokens().get(0).state()).isEqualTo(RefreshTokenInfo.EXPIRED);
  }

  @Test
  void aRefreshTokenLivesUntilJustBeforeItsLifetimeEnds() {
    String refresh = http.webTokens().get("refresh_token").asText();
    sandbox.clock().advance(Duration.ofDays(30).minusSeconds(1));

    assertThat(http.refresh(WEB_ID, refresh, WEB_BEARER).statusCode()).isEqualTo(200);
  }

  @Test
  void aRotatedTokenGetsAFreshLifetime() {
    String refresh = http.webTokens().get("refresh_token").asText();
    sandbox.clock().advance(Duration.ofDays(20));
    String rotated =
        http.json(http.refresh(WEB_ID, refresh, WEB_BEARER)).get("refresh_token").asText();
    sandbox.clock().advance(Duration.ofDays(20));

    HttpResponse<String> response = http.refresh(WEB_ID, rotated, WEB_BEARER);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  @Test
  void theRefreshLifetimeComesFromTheConfig() {
    try (CozeSandbox shortLived =
        CozeSandbox.start(
            SandboxTestClient.config().withRefreshTokenLifetime(Duration.ofMinutes(1)))) {
      SandboxTestClient client = new SandboxTestClient(shortLived);
      String refresh = client.webTokens().get("refresh_token").asText();
      shortLived.clock().advance(Duration.ofMinutes(1));

      client.assertOAuthError(client.refresh(WEB_ID, refresh, WEB_BEARER), 400, "invalid_grant");
      client.assertEveryResponseCarriedLogId();
    }
  }

  @Test
  void anotherClientCannotUseOrBurnTheToken() {
    String refresh = http.webTokens().get("refresh_token").asText();

    HttpResponse<String> stolen = http.refresh(OTHER_WEB_ID, refresh, "Bearer " + OTHER_WEB_SECRET);

    http.assertOAuthError(stolen, 400, "invalid_grant");
    assertThat(http.refresh(WEB_ID, refresh, WEB_BEARER).statusCode()).isEqualTo(200);
  }

  @Test
  void anUnknownRefreshTokenIsAnInvalidGrant() {
    HttpResponse<String> response = http.refresh(WEB_ID, "not-a-refresh-token", WEB_BEARER);

    http.assertOAuthError(response, 400, "invalid_grant");
    assertThat(sandbox.stats().refreshRejections()).isEqualTo(1);
  }

  @Test
  void accessTokensFromAUsedRefreshTokenStayValidUntilTheyExpire() {
    // No revocation exists (§3.2): rotation kills the refresh token, not the access tokens.
    JsonNode first = http.webTokens();
    http.refresh(WEB_ID, first.get("refresh_token").asText(), WEB_BEARER);

    assertThat(sandbox.isAccessTokenValid(first.get("access_token").asText())).isTrue();
    sandbox.clock().advance(Duration.ofMinutes(15));
    assertThat(sandbox.isAccessTokenValid(first.get("access_token").asText())).isFalse();
  }
}
