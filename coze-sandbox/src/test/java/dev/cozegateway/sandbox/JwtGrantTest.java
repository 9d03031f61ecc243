package dev.cozegateway.sandbox;

import static dev.cozegateway.sandbox.SandboxTestClient.ECHO;
import static dev.cozegateway.sandbox.SandboxTestClient.JWT_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.JWT_KID;
import static dev.cozegateway.sandbox.SandboxTestClient.T0;
import static dev.cozegateway.sandbox.SandboxTestClient.TOKEN_PATH;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The JWT bearer grant of §3.7 on all three token endpoints. */
class JwtGrantTest {
  @RegisterExtension final SandboxFixture fixture = SandboxFixture.checkingLogIds();
  private final CozeSandbox sandbox = fixture.sandbox();
  private final SandboxTestClient http = fixture.http();

  @Test
  void aSignedJwtBuysAServiceTokenWithoutARefreshToken() {
    HttpResponse<String> response = http.jwtGrant(http.jwt());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode body = http.json(response);
    assertThat(body.properties())
        .extracting(Map.Entry::getKey)
        .containsExactly("access_token", "expires_in");
    assertThat(body.get("access_token").asText()).matches("czs_[A-Za-z0-9]{64}");
    assertThat(body.get("expires_in").asLong()).isEqualTo(T0.getEpochSecond() + 900);
    assertThat(sandbox.isAccessTokenValid(body.get("access_token").asText())).isTrue();
    assertThat(sandbox.jwtStats()).isEqualTo(new JwtStats(1, 0, 0));
  }

  @Test
  void aServiceTokenRunsWorkflowsUntilItExpires() {
    String token = http.json(http.jwtGrant(http.jwt())).get("access_token").asText();

    JsonNode run =
        http.assertSuccess(
            http.postWorkflow(
                "/v1/workflow/run", token, Map.of("workflow_id", ECHO, "parameters", Map.of())));
    assertThat(run.has("data")).isTrue();

    sandbox.clock().advance(Duration.ofSeconds(900));
    assertThat(sandbox.isAccessTokenValid(token)).isFalse();
    http.assertBusinessError(
        http.postWorkflow("/v1/workflow/run", token, Map.of("workflow_id", ECHO)), 4100);
  }

  @Test
  void durationSecondsSetsTheLifetimeUpTo86399() {
    HttpResponse<String> longest =
        http.jwtGrant(TOKEN_PATH, http.jwt(), Map.of("duration_seconds", 86_399));
    assertThat(longest.statusCode()).as(longest.body()).isEqualTo(200);
    assertThat(http.json(longest).get("expires_in").asLong())
        .isEqualTo(T0.getEpochSecond() + 86_399);

    HttpResponse<String> defaulted = http.jwtGrant(TOKEN_PATH, http.jwt(), Map.of());
    assertThat(http.json(defaulted).get("expires_in").asLong())
        .isEqualTo(T0.getEpochSecond() + 900);
  }

  @ParameterizedTest
  @ValueSource(ints = {86_400, 0, -5})
  void durationSecondsOutOfBoundsIsRefusedWithoutSpendingTheJwt(int seconds) {
    String jwt = http.jwt();

    HttpResponse<String> response =
        http.jwtGrant(TOKEN_PATH, jwt, Map.of("duration_seconds", seconds));

    assertThat(http.assertOAuthError(response, 400, "invalid_request"))
        .isEqualTo("invalid request: duration_seconds");
    assertThat(http.jwtGrant(jwt).statusCode()).isEqualTo(200);
  }

  @Test
  void theJwtExpDoesNotBoundTheTokenLifetime() {
    // Python signs exp = iat + 3600 whatever TTL it asks for; a shorter exp must not cap it either.
    Map<String, Object> claims = http.jwtClaims();
    claims.put("exp", T0.getEpochSecond() + 60);

    HttpResponse<String> response =
        http.jwtGrant(TOKEN_PATH, SandboxTestClient.jwt(claims), Map.of("duration_seconds", 7200));

    assertThat(http.json(response).get("expires_in").asLong())
        .isEqualTo(T0.getEpochSecond() + 7200);
  }

  @Test
  void pythonsBodyWithNullScopeAndGosClientIdAreAccepted() {
    String python =
        "{\"duration_seconds\":7200,\"grant_type\":\""
            + SandboxTestClient.JWT_GRANT
            + "\",\"scope\":null}";
    HttpResponse<String> fromPython =
        http.post(TOKEN_PATH, "application/json", python, "Authorization", "Bearer " + http.jwt());
    assertThat(fromPython.statusCode()).as(fromPython.body()).isEqualTo(200);

    HttpResponse<String> fromGo =
        http.jwtGrant(
            TOKEN_PATH,
            http.jwt(),
            Map.of(
                "client_id",
                JWT_ID,
                "duration_seconds",
                900,
                "scope",
                Map.of(
                    "account_permission",
                    Map.of("permission_list", List.of("Connector.botChat")))));
    assertThat(fromGo.statusCode()).as(fromGo.body()).isEqualTo(200);
  }

  @Test
  void aClientIdOtherThanTheIssuerIsAnInvalidClient() {
    HttpResponse<String> response =
        http.jwtGrant(TOKEN_PATH, http.jwt(), Map.of("client_id", SandboxTestClient.WEB_ID));

    http.assertOAuthError(response, 401, "invalid_client");
  }

  @Test
  void anUnknownKidIsTheRegionError() {
    String jwt =
        TestJwts.sign(
            TestJwts.STRANGER.getPrivate(), TestJwts.header("unregistered-kid"), http.jwtClaims());

    HttpResponse<String> response = http.jwtGrant(jwt);

    assertThat(http.assertOAuthError(response, 401, "invalid_client"))
        .isEqualTo("invalid jwt: kid not been registred");
    assertThat(sandbox.jwtStats()).isEqualTo(new JwtStats(0, 1, 0));
  }

  @Test
  void aSignatureByAnotherKeyIsRefused() {
    String jwt =
        TestJwts.sign(TestJwts.STRANGER.getPrivate(), TestJwts.header(JWT_KID), http.jwtClaims());

    assertThat(http.assertOAuthError(http.jwtGrant(jwt), 401, "invalid_client"))
        .contains("signature");
  }

  @Test
  void aTamperedPayloadIsRefused() {
    String[] parts = http.jwt().split("\\.");
    Map<String, Object> claims = http.jwtClaims();
    claims.put("session_name", "someone-else");
    String[] forged = SandboxTestClient.jwt(claims).split("\\.");

    String tampered = parts[0] + "." + forged[1] + "." + parts[2];

    assertThat(http.assertOAuthError(http.jwtGrant(tampered), 401, "invalid_client"))
        .contains("signature");
  }

  @Test
  void theIssuerMustBeTheAppOfTheKid() {
    Map<String, Object> claims = http.jwtClaims();
    claims.put("iss", SandboxTestClient.WEB_ID);

    assertThat(
            http.assertOAuthError(
                http.jwtGrant(SandboxTestClient.jwt(claims)), 401, "invalid_client"))
        .contains("iss");
  }

  @ParameterizedTest
  @ValueSource(strings = {"api.coze.cn", "127.0.0.1:1", "https://api.coze.com", ""})
  void aWrongAudienceIsRefused(String aud) {
    Map<String, Object> claims = http.jwtClaims();
    claims.put("aud", aud);

    assertThat(
            http.assertOAuthError(
                http.jwtGrant(SandboxTestClient.jwt(claims)), 401, "invalid_client"))
        .contains("aud")
        .contains(sandbox.jwtAudience());
  }

  @Test
  void everyClientsWayOfNamingTheHostIsAnAudience() {
    assertThat(sandbox.jwtAudience()).isEqualTo("127.0.0.1:" + sandbox.port());
    List<Object> audiences =
        List.of(
            sandbox.jwtAudience(),
            "127.0.0.1",
            "localhost:" + sandbox.port(),
            "api.coze.com",
            List.of("https://other.example", sandbox.jwtAudience()));

    for (Object aud : audiences) {
      Map<String, Object> claims = http.jwtClaims();
      claims.put("aud", aud);
      HttpResponse<String> response = http.jwtGrant(SandboxTestClient.jwt(claims));
      assertThat(response.statusCode()).as("aud %s: %s", aud, response.body()).isEqualTo(200);
    }
  }

  @Test
  void anExpiredJwtIsRefusedAfterASmallSkew() {
    Map<String, Object> withinSkew = http.jwtClaims();
    withinSkew.put("iat", T0.getEpochSecond() - 100);
    withinSkew.put("exp", T0.getEpochSecond() - 10);
    assertThat(http.jwtGrant(SandboxTestClient.jwt(withinSkew)).statusCode()).isEqualTo(200);

    Map<String, Object> expired = http.jwtClaims();
    expired.put("iat", T0.getEpochSecond() - 100);
    expired.put("exp", T0.getEpochSecond() - 30);

    assertThat(
            http.assertOAuthError(
                http.jwtGrant(SandboxTestClient.jwt(expired)), 401, "invalid_client"))
        .contains("expired");
  }

  @Test
  void aJwtExpiresOnTheSandboxClock() {
    String jwt = http.jwt();
    sandbox.clock().advance(Duration.ofHours(2));

    http.assertOAuthError(http.jwtGrant(jwt), 401, "invalid_client");
  }

  @Test
  void iatAndExpAreChecked() {
    Map<String, Object> noIat = http.jwtClaims();
    noIat.remove("iat");
    Map<String, Object> future = http.jwtClaims();
    future.put("iat", T0.getEpochSecond() + 600);
    future.put("exp", T0.getEpochSecond() + 1200);
    Map<String, Object> backwards = http.jwtClaims();
    backwards.put("exp", T0.getEpochSecond());
    Map<String, Object> noExp = http.jwtClaims();
    noExp.remove("exp");

    assertThat(refusal(noIat)).contains("iat");
    assertThat(refusal(future)).contains("iat");
    assertThat(refusal(backwards)).contains("exp");
    assertThat(refusal(noExp)).contains("exp");
  }

  @Test
  void aJtiIsRequired() {
    Map<String, Object> claims = http.jwtClaims();
    claims.remove("jti");

    assertThat(refusal(claims)).contains("jti");
  }

  @Test
  void aJwtWorksOnce() {
    String jwt = http.jwt();
    assertThat(http.jwtGrant(jwt).statusCode()).isEqualTo(200);

    HttpResponse<String> again = http.jwtGrant(jwt);

    assertThat(http.assertOAuthError(again, 400, "invalid_request"))
        .startsWith("invalid request: jti");
    assertThat(sandbox.jwtStats()).isEqualTo(new JwtStats(1, 1, 1));
  }

  @Test
  void ofConcurrentRequestsWithOneJwtExactlyOneSucceeds() throws Exception {
    String jwt = http.jwt();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Callable<Integer>> calls = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        calls.add(() -> http.jwtGrant(jwt).statusCode());
      }
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> result : pool.invokeAll(calls)) {
        statuses.add(result.get());
      }

      assertThat(statuses).containsOnly(200, 400).containsOnlyOnce(200);
      assertThat(sandbox.jwtStats()).isEqualTo(new JwtStats(1, 15, 15));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aMissingOrMalformedJwtIsAnInvalidClient() {
    assertThat(http.assertOAuthError(http.jwtGrant(null), 401, "invalid_client"))
        .isEqualTo("verify jwt empty error");
    http.assertOAuthError(http.jwtGrant(""), 401, "invalid_client");
    http.assertOAuthError(http.jwtGrant("not.a-jwt"), 401, "invalid_client");
    http.assertOAuthError(http.jwtGrant("e30.e30.e30"), 401, "invalid_client");
  }

  @Test
  void onlyRs256IsAccepted() {
    Map<String, Object> header = TestJwts.header(JWT_KID);
    header.put("alg", "HS256");

    String jwt = TestJwts.sign(TestJwts.KEYS.getPrivate(), header, http.jwtClaims());

    assertThat(http.assertOAuthError(http.jwtGrant(jwt), 401, "invalid_client")).contains("RS256");
  }

  @Test
  void sessionNamesAreRecordedAndGetDistinctTokens() {
    List<String> issued = new ArrayList<>();
    for (String session : List.of("user_1", "user_2", "user_1")) {
      Map<String, Object> claims = http.jwtClaims();
      claims.put("session_name", session);
      issued.add(
          http.json(http.jwtGrant(SandboxTestClient.jwt(claims))).get("access_token").asText());
    }
    http.jwtGrant(http.jwt());

    assertThat(sandbox.jwtTokensForSession("user_1")).containsExactly(issued.get(0), issued.get(2));
    assertThat(sandbox.jwtTokensForSession("user_2")).containsExactly(issued.get(1));
    assertThat(sandbox.jwtTokensForSession(null)).hasSize(1);
    assertThat(issued).doesNotHaveDuplicates();
    assertThat(sandbox.jwtTokens())
        .extracting(JwtTokenInfo::sessionName)
        .containsExactly("user_1", "user_2", "user_1", null);
    assertThat(sandbox.jwtStats().mints()).isEqualTo(4);
  }

  @Test
  void theAccountAndEnterpriseEndpointsTakeJwtsAndAreRecorded() {
    HttpResponse<String> account =
        http.jwtGrant(
            "/api/permission/oauth2/account/7400000000000000001/token", http.jwt(), Map.of());
    HttpResponse<String> enterprise =
        http.jwtGrant(
            "/api/permission/oauth2/enterprise_id/ent_42/token",
            http.jwt(),
            Map.of("duration_seconds", 3600));

    assertThat(account.statusCode()).as(account.body()).isEqualTo(200);
    assertThat(enterprise.statusCode()).as(enterprise.body()).isEqualTo(200);
    assertThat(http.json(enterprise).get("access_token").asText()).startsWith("czs_");
    assertThat(sandbox.jwtTokens())
        .extracting(
            JwtTokenInfo::accountId, JwtTokenInfo::enterpriseId, JwtTokenInfo::durationSeconds)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("7400000000000000001", null, 900L),
            org.assertj.core.groups.Tuple.tuple(null, "ent_42", 3600L));
  }

  @Test
  void theAccountEndpointFollowsTheSameJwtRules() {
    String path = "/api/permission/oauth2/account/7400000000000000001/token";
    String jwt = http.jwt();
    assertThat(http.jwtGrant(path, jwt, Map.of()).statusCode()).isEqualTo(200);

    http.assertOAuthError(http.jwtGrant(path, jwt, Map.of()), 400, "invalid_request");
    String stranger =
        TestJwts.sign(TestJwts.STRANGER.getPrivate(), TestJwts.header("nope"), http.jwtClaims());
    http.assertOAuthError(http.jwtGrant(path, stranger, Map.of()), 401, "invalid_client");
    http.assertOAuthError(
        http.jwtGrant(path, http.jwt(), Map.of("duration_seconds", 86_400)),
        400,
        "invalid_request");
  }

  @Test
  void theOrganisationEndpointsTakeNoOtherGrant() {
    HttpResponse<String> response =
        http.postJson(
            "/api/permission/oauth2/enterprise_id/ent_42/token",
            Map.of("grant_type", "refresh_token", "client_id", JWT_ID, "refresh_token", "x"),
            null);

    assertThat(http.assertOAuthError(response, 400, "unsupported_grant_type"))
        .isEqualTo("not supported grant type: refresh_token");
  }

  @Test
  void aJwtAppHasNoOtherFlow() {
    http.assertOAuthError(http.refresh(JWT_ID, "whatever", null), 400, "access_deny");
    http.assertOAuthError(http.requestDeviceCode(JWT_ID, null), 400, "access_deny");
  }

  @Test
  void jwtCountersAndTokensAreReadableOverHttp() {
    Map<String, Object> claims = http.jwtClaims();
    claims.put("session_name", "user_9");
    String jwt = SandboxTestClient.jwt(claims);
    http.jwtGrant(jwt);
    http.jwtGrant(jwt);

    JsonNode stats = http.json(http.get("/_sandbox/stats"));
    JsonNode tokens = http.json(http.get("/_sandbox/jwt/tokens")).get("tokens");

    assertThat(stats.get("jwt_mints").asLong()).isEqualTo(1);
    assertThat(stats.get("jwt_rejections").asLong()).isEqualTo(1);
    assertThat(stats.get("jwt_jti_rejections").asLong()).isEqualTo(1);
    assertThat(tokens).hasSize(1);
    assertThat(tokens.get(0).get("session_name").asText()).isEqualTo("user_9");
    assertThat(tokens.get(0).get("client_id").asText()).isEqualTo(JWT_ID);
    assertThat(tokens.get(0).get("expires_in").asLong()).isEqualTo(T0.getEpochSecond() + 900);
  }

  private String refusal(Map<String, Object> claims) {
    return http.assertOAuthError(
        http.jwtGrant(SandboxTestClient.jwt(claims)), 401, "invalid_client");
  }
}
