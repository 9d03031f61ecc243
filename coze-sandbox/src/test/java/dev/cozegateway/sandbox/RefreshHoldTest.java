package dev.cozegateway.sandbox;

import static dev.cozegateway.sandbox.SandboxTestClient.WEB_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The test hook that holds refresh requests before they are processed, then drops or releases. */
class RefreshHoldTest {
  private static final String WEB_BEARER = "Bearer " + WEB_SECRET;

  @RegisterExtension final SandboxFixture fixture = SandboxFixture.checkingLogIds();
  private final CozeSandbox sandbox = fixture.sandbox();
  private final SandboxTestClient http = fixture.http();
  private final ExecutorService pool = Executors.newSingleThreadExecutor();

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  @Test
  void aDroppedRequestFailsWithoutRotatingTheToken() throws Exception {
    String refresh = http.webTokens().get("refresh_token").asText();
    JsonNode on =
        http.json(http.post("/_sandbox/refreshes/hold", "application/json", "{\"enabled\":true}"));
    assertThat(on.get("enabled").asBoolean()).isTrue();

    CompletableFuture<HttpResponse<String>> call = refreshLater(refresh);
    awaitHeld(1);
    assertThat(call).isNotDone();
    JsonNode off =
        http.json(
            http.post(
                "/_sandbox/refreshes/hold",
                "application/json",
                "{\"enabled\":false,\"drop\":true}"));
    assertThat(off.get("enabled").asBoolean()).isFalse();

    // The connection closes with no response: the client sees an I/O failure.
    assertThat(call)
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(java.io.UncheckedIOException.class);
    assertThat(sandbox.heldRefreshes()).isZero();
    assertThat(sandbox.stats().refreshRedemptions()).isZero();
    assertThat(sandbox.stats().refreshRejections()).isZero();
    assertThat(sandbox.refreshTokens())
        .extracting(RefreshTokenInfo::state, RefreshTokenInfo::attempts)
        .containsExactly(tuple("active", 0));

    // The hold is off: the same token still redeems, once.
    HttpResponse<String> later = http.refresh(WEB_ID, refresh, WEB_BEARER);
    assertThat(later.statusCode()).as(later.body()).isEqualTo(200);
    assertThat(sandbox.stats().refreshRedemptions()).isEqualTo(1);
  }

  @Test
  void aReleasedRequestIsProcessedAsUsual() throws Exception {
    String refresh = http.webTokens().get("refresh_token").asText();
    sandbox.holdRefreshes();

    CompletableFuture<HttpResponse<String>> call = refreshLater(refresh);
    awaitHeld(1);
    assertThat(sandbox.stats().refreshRedemptions()).isZero();
    sandbox.releaseHeldRefreshes();

    HttpResponse<String> response = call.get(10, TimeUnit.SECONDS);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(sandbox.isAccessTokenValid(http.json(response).get("access_token").asText()))
        .isTrue();
    assertThat(sandbox.heldRefreshes()).isZero();
    assertThat(sandbox.stats().refreshRedemptions()).isEqualTo(1);
    assertThat(sandbox.refreshTokens())
        .extracting(RefreshTokenInfo::state)
        .containsExactly("used", "active");
  }

  @Test
  void theHoldSettingIsValidated() {
    http.assertOAuthError(
        http.post("/_sandbox/refreshes/hold", "application/json", "{\"enabled\":\"yes\"}"),
        400,
        "invalid_request");
    http.assertOAuthError(
        http.post("/_sandbox/refreshes/hold", "application/json", "{\"enabled\":false,\"drop\":1}"),
        400,
        "invalid_request");
  }

  private CompletableFuture<HttpResponse<String>> refreshLater(String refresh) {
    return CompletableFuture.supplyAsync(() -> http.refresh(WEB_ID, refresh, WEB_BEARER), pool);
  }

  private void awaitHeld(int count) {
    await("refresh requests held")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> sandbox.heldRefreshes() == count);
  }
}
