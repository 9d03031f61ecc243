package dev.cozegateway.adapters.cozehttp;

import static dev.cozegateway.adapters.cozehttp.TestApps.JWT_CLIENT_ID;
import static dev.cozegateway.adapters.cozehttp.TestApps.KEY_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cozegateway.adapters.cozehttp.RecordingCozeServer.Recorded;
import dev.cozegateway.adapters.cozehttp.TestKeys.Jwt;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.CozeRegion;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.CozeServiceTokens;
import dev.cozegateway.domain.port.CozeServiceTokens.Request;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The JWT bearer adapter against a loopback server that records the wire traffic (§3.7, §3.9). */
class HttpCozeServiceTokensTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN_PATH = "/api/permission/oauth2/token";
  private static final String ACCESS_TOKEN =
      "czs_RQOhsc7vmUzK4bNgb7hn4wqOgRBYAO6xvpFHNbnl6RiQJX3cSXSguIhFDzgyabcd";
  private static final String LOGID = "20240708143040790E78F9318B35A2910B";
  private static final String TOKENS =
      "{\"access_token\":\"" + ACCESS_TOKEN + "\",\"expires_in\":1721135859}";
  private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

  private RecordingCozeServer server;
  private CozeServiceTokens coze;

  @BeforeEach
  void startServer() throws IOException {
    server = RecordingCozeServer.start();
    coze =
        TestApps.injector(CozeHttpConfig.defaults(), OpenTelemetry.noop())
            .getInstance(CozeServiceTokens.class);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Nested
  class Wire {
    @Test
    void postsTheJwtGrantWithTheSignedJwtAsBearer() throws Exception {
      server.replyJson(200, TOKENS, LOGID);
      long before = Instant.now().getEpochSecond();

      TokenSet tokens = coze.exchange(app(), new Request("", Duration.ofSeconds(900), "", ""));

      Recorded request = server.takeRequest();
      assertThat(request.method()).isEqualTo("POST");
      assertThat(request.path()).isEqualTo(TOKEN_PATH);
      assertThat(request.header("Content-Type")).startsWith("application/json");
      assertThat(body(request))
          .isEqualTo(
              Map.of(
                  "grant_type",
                  "urn:ietf:params:oauth:grant-type:jwt-bearer",
                  "duration_seconds",
                  900));
      assertThat(request.header("Authorization")).startsWith("Bearer ");
      Jwt jwt = TestKeys.verify(bearer(request), TestKeys.RSA.getPublic());
      assertThat(jwt.header().toString())
          .isEqualTo("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + KEY_ID + "\"}");
      assertThat(jwt.claims().get("iss").asText()).isEqualTo(JWT_CLIENT_ID);
      assertThat(jwt.claims().get("aud").asText())
          .as("host and port of a custom base URL")
          .isEqualTo("127.0.0.1:" + server.baseUri().getPort());
      long iat = jwt.claims().get("iat").asLong();
      long exp = jwt.claims().get("exp").asLong();
      assertThat(iat).isBetween(before, Instant.now().getEpochSecond());
      assertThat(exp - iat).isPositive().isLessThanOrEqualTo(3600);
      assertThat(jwt.claims().get("jti").asText()).matches("[0-9a-f]{64}");
      assertThat(jwt.claims().has("session_name")).isFalse();

      assertThat(tokens)
          .isEqualTo(
              new TokenSet(
                  Secret.of(ACCESS_TOKEN), Instant.ofEpochSecond(1721135859L), Secret.of("")));
    }

    @Test
    void aSessionNameIsAClaim() throws Exception {
      server.replyJson(200, TOKENS, LOGID);

      coze.exchange(app(), new Request("user_2222", Duration.ofSeconds(60), "", ""));

      Recorded request = server.takeRequest();
      Jwt jwt = TestKeys.verify(bearer(request), TestKeys.RSA.getPublic());
      assertThat(jwt.claims().get("session_name").asText()).isEqualTo("user_2222");
      assertThat(body(request)).containsEntry("duration_seconds", 60);
    }

    @Test
    void accountAndEnterpriseTokensUseTheirEndpoints() throws Exception {
      server.replyJson(200, TOKENS, LOGID);

      coze.exchange(app(), new Request("", Request.DEFAULT_DURATION, "7350000000000000001", ""));
      coze.exchange(app(), new Request("", Request.DEFAULT_DURATION, "", "7350000000000000002"));
      coze.exchange(app(), new Request("", Request.DEFAULT_DURATION, "a/../b c", ""));

      assertThat(server.takeRequest().path())
          .isEqualTo("/api/permission/oauth2/account/7350000000000000001/token");
      assertThat(server.takeRequest().path())
          .isEqualTo("/api/permission/oauth2/enterprise_id/7350000000000000002/token");
      assertThat(server.takeRequest().rawPath())
          .as("an id stays one path segment")
          .isEqualTo("/api/permission/oauth2/account/a%2F..%2Fb%20c/token");
    }

    @Test
    void theAudienceIsTheApiHostOfAnOfficialRegion() {
      for (CozeRegion region : List.of(CozeRegion.COZE_CN, CozeRegion.COZE_COM)) {
        App app = TestApps.jwt(region, JWT_CLIENT_ID, TestKeys.pkcs8(TestKeys.RSA), KEY_ID);

        Jwt jwt = TestKeys.verify(signer().sign(app, ""), TestKeys.RSA.getPublic());

        assertThat(jwt.claims().get("aud").asText()).isEqualTo(region.apiHost());
        assertThat(jwt.claims().get("iat").asLong()).isEqualTo(NOW.getEpochSecond());
        assertThat(jwt.claims().get("exp").asLong())
            .isEqualTo(NOW.getEpochSecond() + HttpCozeServiceTokens.JWT_LIFETIME.toSeconds());
      }
    }

    @Test
    void everyJwtHasItsOwnJti() {
      HttpCozeServiceTokens signer = signer();
      App app = app();
      Set<String> jtis = new HashSet<>();

      for (int i = 0; i < 1000; i++) {
        String jwt = signer.sign(app, "");
        String claims = jwt.split("\\.")[1];
        String jti = readTree(java.util.Base64.getUrlDecoder().decode(claims)).get("jti").asText();
        assertThat(jti).matches("[0-9a-f]{64}");
        jtis.add(jti);
      }

      assertThat(jtis).hasSize(1000);
    }

    @Test
    void pkcs1AndPkcs8KeysBothSign() {
      for (Secret pem : List.of(TestKeys.pkcs1(TestKeys.RSA), TestKeys.pkcs8(TestKeys.RSA))) {
        App app = TestApps.jwt(CozeRegion.COZE_CN, JWT_CLIENT_ID, pem, KEY_ID);

        TestKeys.verify(signer().sign(app, ""), TestKeys.RSA.getPublic());
      }
    }

    @Test
    void aChangedKeyIsPickedUp() {
      HttpCozeServiceTokens signer = signer();
      App first =
          TestApps.jwt(CozeRegion.COZE_CN, JWT_CLIENT_ID, TestKeys.pkcs8(TestKeys.RSA), KEY_ID);
      App rotated =
          TestApps.jwt(
              CozeRegion.COZE_CN, JWT_CLIENT_ID, TestKeys.pkcs1(TestKeys.OTHER_RSA), "kid-2");

      TestKeys.verify(signer.sign(first, ""), TestKeys.RSA.getPublic());
      TestKeys.verify(signer.sign(rotated, ""), TestKeys.OTHER_RSA.getPublic());
      TestKeys.verify(signer.sign(first, ""), TestKeys.RSA.getPublic());
    }
  }

  @Nested
  class Responses {
    @Test
    void aRefreshTokenInTheAnswerIsIgnored() {
      server.replyJson(
          200,
          "{\"access_token\":\"czs_a\",\"expires_in\":1721135859,\"refresh_token\":\"unexpected\"}",
          LOGID);

      TokenSet tokens = coze.exchange(app(), new Request("", Request.DEFAULT_DURATION, "", ""));

      assertThat(tokens.refreshToken()).isEqualTo(Secret.of(""));
    }

    @Test
    void anAnswerWithoutAnAccessTokenIsUnavailable() {
      server.replyJson(200, "{\"expires_in\":1721135859}", LOGID);

      assertUnavailable(LOGID);
    }

    @Test
    void anImplausibleExpiryIsUnavailable() {
      server.replyJson(
          200, "{\"access_token\":\"czs_a\",\"expires_in\":999999999999999999}", LOGID);

      assertUnavailable(LOGID);
    }
  }

  @Nested
  class Errors {
    @Test
    void anUnregisteredKidNamesTheAppRegionAndHost() {
      // §3.9, §5.1: what a coze.cn key presented to coze.com gets.
      server.replyJson(
          401,
          "{\"error_code\":\"invalid_client\",\"error_message\":\"invalid jwt: kid not been"
              + " registred\",\"error\":\"invalid_client\"}",
          LOGID);
      App app = app();

      assertThatThrownBy(() -> exchange(app))
          .isInstanceOfSatisfying(
              GatewayException.FailedPrecondition.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED);
                assertThat(e.getMessage())
                    .contains(
                        "apps/service-app",
                        "Coze region " + app.region().label(),
                        "API host 127.0.0.1:" + server.baseUri().getPort(),
                        "kid not been registred",
                        "region",
                        "key id " + KEY_ID);
                assertThat(e.metadata())
                    .containsEntry("coze_logid", LOGID)
                    .containsEntry("coze_error_code", "invalid_client");
              });
    }

    @Test
    void theRegionIsNamedByItsLabel() {
      CozeRegion region = new CozeRegion("coze.com", server.baseUri(), server.baseUri());
      App app = TestApps.jwt(region, JWT_CLIENT_ID, TestKeys.pkcs8(TestKeys.RSA), KEY_ID);
      server.replyJson(401, "{\"error_code\":\"invalid_client\",\"error_message\":\"/\"}", LOGID);

      assertThatThrownBy(() -> exchange(app))
          .isInstanceOfSatisfying(
              GatewayException.FailedPrecondition.class,
              e ->
                  assertThat(e.getMessage())
                      .contains(
                          "Coze region coze.com (API host 127.0.0.1:"
                              + server.baseUri().getPort()
                              + ")"));
    }

    @Test
    void accessDenyIsAMisconfiguration() {
      server.replyJson(
          400,
          "{\"error_code\":\"access_deny\",\"error_message\":\"app: demo is currently"
              + " deactivated by the owner\"}",
          LOGID);

      assertThatThrownBy(() -> exchange(app()))
          .isInstanceOfSatisfying(
              GatewayException.FailedPrecondition.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED);
                assertThat(e.getMessage()).contains("deactivated", "apps/service-app");
              });
    }

    @Test
    void anyOtherRefusalIsAMisconfigurationToo() {
      server.replyJson(
          400,
          "{\"error_code\":\"invalid_request\",\"error_message\":\"invalid request:"
              + " duration_seconds\"}",
          LOGID);

      assertThatThrownBy(() -> exchange(app()))
          .isInstanceOfSatisfying(
              GatewayException.FailedPrecondition.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED);
                assertThat(e.getMessage()).contains("invalid_request", "duration_seconds");
              });
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503, 429})
    void transientAnswersAreUnavailableAndNotRetried(int status) throws Exception {
      server.replyJson(
          status, "{\"error_code\":\"internal_error\",\"error_message\":\"busy\"}", LOGID);

      assertUnavailable(LOGID);
      assertThat(server.takeRequest()).isNotNull();
      assertThat(server.pendingRequests()).as("never retried").isZero();
    }

    @Test
    void connectionRefusedIsUnavailable() {
      URI closed = TestApps.closedLoopbackUri();

      assertThatThrownBy(() -> exchange(TestApps.jwt(closed)))
          .isInstanceOfSatisfying(
              GatewayException.Unavailable.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.COZE_UNAVAILABLE));
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 503})
    void theJwtNeverReachesAMessageEvenIfCozeEchoesIt(int status) {
      // Coze can only echo what the request carried: the JWT.
      server.replyWith(
          request ->
              new RecordingCozeServer.Reply(
                  status,
                  Map.of("Content-Type", "application/json", "X-Tt-Logid", LOGID),
                  "{\"error_code\":\"invalid_client\",\"error_message\":\"bad jwt "
                      + bearer(request)
                      + "\"}"));

      assertThatThrownBy(() -> exchange(app()))
          .isInstanceOfSatisfying(
              GatewayException.class,
              e -> {
                String jwt = bearerOfLastRequest();
                assertThat(e.getMessage()).contains("[redacted]").doesNotContain(jwt);
                assertThat(e.metadata().values()).noneMatch(value -> value.contains(jwt));
              });
    }

    @Test
    void aCorruptKeyIsAMisconfigurationAndNothingIsSent() {
      Secret corrupt =
          Secret.of(
              "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
                  + "-----END PRIVATE KEY-----\n");
      App app = TestApps.jwt(CozeRegion.custom(server.baseUri()), JWT_CLIENT_ID, corrupt, KEY_ID);

      assertThatThrownBy(() -> exchange(app))
          .isInstanceOfSatisfying(
              GatewayException.FailedPrecondition.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED);
                assertThat(e.getMessage())
                    .contains("apps/service-app", "corrupt")
                    .doesNotContain(TestKeys.keyMaterial(corrupt));
              });
      assertThat(server.pendingRequests()).isZero();
    }

    @Test
    void onlyJwtAppsWithAKeyExchangeAndNothingIsSentOtherwise() {
      assertThatThrownBy(() -> exchange(TestApps.ofType(AppType.DEVICE, server.baseUri())))
          .isInstanceOfSatisfying(
              GatewayException.FailedPrecondition.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.APP_TYPE_NOT_SUPPORTED));
      App keyless = TestApps.jwt(CozeRegion.custom(server.baseUri()), JWT_CLIENT_ID, null, KEY_ID);
      assertThatThrownBy(() -> exchange(keyless))
          .isInstanceOfSatisfying(
              GatewayException.FailedPrecondition.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED));
      assertThat(server.pendingRequests()).isZero();
    }
  }

  @Test
  void debugLogsNameEndpointStatusAndLogIdButNoSecrets() throws Exception {
    server.replyJson(200, TOKENS, LOGID);

    List<String> lines = DebugLog.capture(HttpCozeServiceTokens.class, () -> exchange(app()));

    String jwt = bearer(server.takeRequest());
    assertThat(lines)
        .singleElement()
        .satisfies(
            line ->
                assertThat(line)
                    .contains(server.baseUri() + TOKEN_PATH, "status=200", "logid=" + LOGID)
                    .doesNotContain(jwt, ACCESS_TOKEN));
  }

  private App app() {
    return TestApps.jwt(server.baseUri());
  }

  private TokenSet exchange(App app) {
    return coze.exchange(app, new Request("", Request.DEFAULT_DURATION, "", ""));
  }

  private void assertUnavailable(String logId) {
    assertThatThrownBy(() -> exchange(app()))
        .isInstanceOfSatisfying(
            GatewayException.Unavailable.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.COZE_UNAVAILABLE);
              assertThat(e.metadata()).containsEntry("coze_logid", logId);
            });
  }

  private String bearerOfLastRequest() {
    try {
      return bearer(server.takeRequest());
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** A signer at a fixed time, for claims that depend on the clock. */
  private static HttpCozeServiceTokens signer() {
    return new HttpCozeServiceTokens(
        HttpClient.newHttpClient(), Duration.ofSeconds(5), InstantSource.fixed(NOW));
  }

  private static String bearer(Recorded request) {
    String authorization = request.header("Authorization");
    assertThat(authorization).startsWith("Bearer ");
    return authorization.substring("Bearer ".length());
  }

  private static Map<String, Object> body(Recorded request) throws IOException {
    return JSON.readValue(request.body(), new TypeReference<>() {});
  }

  private static com.fasterxml.jackson.databind.JsonNode readTree(byte[] json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
