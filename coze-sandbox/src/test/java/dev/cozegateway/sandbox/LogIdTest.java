package dev.cozegateway.sandbox;

import static dev.cozegateway.sandbox.SandboxTestClient.AUTHORIZE_PATH;
import static dev.cozegateway.sandbox.SandboxTestClient.LOG_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.T0;
import static dev.cozegateway.sandbox.SandboxTestClient.TOKEN_PATH;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.WEB_REDIRECT;
import static dev.cozegateway.sandbox.SandboxTestClient.authorizeQuery;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code X-Tt-Logid} on every response, errors included (§1). */
class LogIdTest {
  private static final String T0_LOG_TIME =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC).format(T0);

  @RegisterExtension final SandboxFixture fixture = SandboxFixture.withoutLogIdCheck();
  private final CozeSandbox sandbox = fixture.sandbox();
  private final SandboxTestClient http = fixture.http();

  @Test
  void everyKindOfResponseCarriesAWellFormedUniqueLogId() {
    List<HttpResponse<String>> responses =
        List.of(
            http.get(AUTHORIZE_PATH + "?" + authorizeQuery(WEB_ID, WEB_REDIRECT, "s", null, null)),
            http.get(AUTHORIZE_PATH + "?client_id=nobody"),
            http.get("/oauth/consent?authorize_key=unknown", "Accept", "text/html"),
            http.post(TOKEN_PATH, "text/plain", "hello"),
            http.post(TOKEN_PATH, "application/json", "{\"grant_type\":\"x\"}"),
            http.post(
                TOKEN_PATH,
                "application/json",
                "{\"grant_type\":\"refresh_token\",\"client_id\":\""
                    + WEB_ID
                    + "\",\"refresh_token\":\"r\"}"),
            http.get(TOKEN_PATH),
            http.get("/v3/chat/cancel"),
            http.get("/_sandbox/stats"));

    assertThat(responses)
        .extracting(HttpResponse::statusCode)
        .containsExactly(302, 400, 400, 400, 400, 401, 405, 404, 200);
    Set<String> ids = new HashSet<>();
    for (HttpResponse<String> response : responses) {
      String id = response.headers().firstValue("x-tt-logid").orElseThrow();
      assertThat(id).matches(LOG_ID);
      // The time part comes from the sandbox clock (frozen at T0), in UTC.
      assertThat(id).startsWith(T0_LOG_TIME);
      ids.add(id);
    }
    assertThat(ids).hasSameSizeAs(responses);
  }

  @Test
  void unknownPathsGetABusinessEnvelopeRepeatingTheLogId() {
    HttpResponse<String> response = http.get("/v1/nothing/here");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(http.json(response).get("code").asInt()).isEqualTo(4200);
    assertThat(http.json(response).at("/detail/logid").asText())
        .isEqualTo(response.headers().firstValue("X-Tt-Logid").orElseThrow());
  }
}
