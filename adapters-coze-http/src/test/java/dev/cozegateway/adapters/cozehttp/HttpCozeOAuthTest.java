package dev.cozegateway.adapters.cozehttp;

import static dev.cozegateway.adapters.cozehttp.SandboxBrowser.query;
import static dev.cozegateway.adapters.cozehttp.TestApps.PKCE_CLIENT_ID;
import static dev.cozegateway.adapters.cozehttp.TestApps.REDIRECT_URI;
import static dev.cozegateway.adapters.cozehttp.TestApps.WEB_CLIENT_ID;
import static dev.cozegateway.adapters.cozehttp.TestApps.WEB_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cozegateway.adapters.cozehttp.RecordingCozeServer.Recorded;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.port.CozeOAuth.GrantResult;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** The adapter against a loopback server that records the exact wire traffic (§3.3–3.6, §3.9). */
class HttpCozeOAuthTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN_PATH = "/api/permission/oauth2/token";
  private static final String CODE = "code_hS0m5XlDLSAwWjaadftNqiOGAmOW02wSDiGunZETWQuRabcd";
  private static final String VERIFIER = "verifier-0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
  private static final String REFRESH_TOKEN =
      "LBEP9iWU7rn60PWa58GER5rr6vygb5WSACu2vASlCQu7kpFkavCrNa9BBDpHLUlGd4wxyz";
  private static final String NEW_REFRESH_TOKEN =
      "NYbHWyusGWA03Ar1dpUMr6iuImN9bydfwRWWKpcKqcpTN9sDwmCxopt7Jg7HW6DGJnXLabcd";
  private static final String ACCESS_TOKEN = "czu_UEE2abcdefghijklmnopqrstuvwxyz0123";
  private static final String LOGID = "20240708143040790E78F9318B35A2910B";
  private static final String TOKENS =
      "{\"access_token\":\""
          + ACCESS_TOKEN
          + "\",\"expires_in\":1720098388,\"refresh_token\":\""
          + NEW_REFRESH_TOKEN
          + "\"}";

  /** For {@link #tokenPostBody}: the request must carry no {@code Authorization} header. */
  private static final String NO_AUTHORIZATION = null;

  private RecordingCozeServer server;
  private CozeOAuth oauth;

  @BeforeEach
  void startServer() throws IOException {
    server = RecordingCozeServer.start();
    oauth = TestApps.cozeOAuth(CozeHttpConfig.defaults(), OpenTelemetry.noop());
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Nested
  class TokenRequests {
    @Test
    void webCodeExchangePostsJsonWithTheSecretAsBearer() throws Exception {
      server.replyJson(200, TOKENS, LOGID);

      GrantResult result = oauth.exchangeCode(web(), CODE, Secret.of(VERIFIER));

      assertThat(tokenPostBody(server.takeRequest(), "Bearer " + WEB_SECRET))
          .isEqualTo(
              Map.of(
                  "grant_type", "authorization_code",
                  "code", CODE,
                  "client_id", WEB_CLIENT_ID,
                  "redirect_uri", REDIRECT_URI.toString(),
                  "code_verifier", VERIFIER));
      assertThat(result).isEqualTo(granted());
    }

    @Test
    void pkceCodeExchangeSendsTheVerifierAndNoAuthorizationHeader() throws Exception {
      server.replyJson(200, TOKENS, LOGID);

      GrantResult result = oauth.exchangeCode(pkce(), CODE, Secret.of(VERIFIER));

      assertThat(tokenPostBody(server.takeRequest(), NO_AUTHORIZATION))
          .isEqualTo(
              Map.of(
                  "grant_type", "authorization_code",
                  "code", CODE,
                  "client_id", PKCE_CLIENT_ID,
                  "redirect_uri", REDIRECT_URI.toString(),
                  "code_verifier", VERIFIER));
      assertThat(result).isEqualTo(granted());
    }

    @Test
    void webRefreshPostsJsonWithTheSecretAsBearer() throws Exception {
      server.replyJson(200, TOKENS, LOGID);

      GrantResult result = oauth.refresh(web(), Secret.of(REFRESH_TOKEN));

      assertThat(tokenPostBody(server.takeRequest(), "Bearer " + WEB_SECRET))
          .isEqualTo(
              Map.of(
                  "grant_type", "refresh_token",
                  "client_id", WEB_CLIENT_ID,
                  "refresh_token", REFRESH_TOKEN));
      assertThat(result).isEqualTo(granted());
    }

    @Test
    void pkceRefreshSendsNoAuthorizationHeader() throws Exception {
      server.replyJson(200, TOKENS, LOGID);

      GrantResult result = oauth.refresh(pkce(), Secret.of(REFRESH_TOKEN));

      assertThat(tokenPostBody(server.takeRequest(), NO_AUTHORIZATION))
          .isEqualTo(
              Map.of(
                  "grant_type", "refresh_token",
                  "client_id", PKCE_CLIENT_ID,
                  "refresh_token", REFRESH_TOKEN));
      assertThat(result).isEqualTo(granted());
    }

    @Test
    void tokenRequestsGoToTheApiBaseEvenUnderAPath() throws Exception {
      server.replyJson(200, TOKENS, LOGID);

      oauth.refresh(pkce(server.baseUri().resolve("/coze/")), Secret.of(REFRESH_TOKEN));

      assertThat(server.takeRequest().path()).isEqualTo("/coze" + TOKEN_PATH);
    }

    @Test
    void deviceAppsRefreshWithoutASecret() throws Exception {
      server.replyJson(200, TOKENS, LOGID);

      oauth.refresh(TestApps.ofType(AppType.DEVICE, server.baseUri()), Secret.of(REFRESH_TOKEN));

      assertThat(server.takeRequest().headers().containsKey("Authorization")).isFalse();
    }

    @Test
    void codeFlowIsRefusedForAppsThatDoNotUseIt() {
      for (AppType type : List.of(AppType.DEVICE, AppType.JWT)) {
        App app = TestApps.ofType(type, server.baseUri());
        assertThatThrownBy(() -> oauth.exchangeCode(app, CODE, Secret.of(VERIFIER)))
            .isInstanceOfSatisfying(
                GatewayException.FailedPrecondition.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.APP_TYPE_NOT_SUPPORTED));
        assertThatThrownBy(() -> oauth.authorizeUri(app, "state", "challenge", ""))
            .isInstanceOf(GatewayException.FailedPrecondition.class);
      }
      App jwt = TestApps.ofType(AppType.JWT, server.baseUri());
      assertThatThrownBy(() -> oauth.refresh(jwt, Secret.of(REFRESH_TOKEN)))
          .isInstanceOfSatisfying(
              GatewayException.FailedPrecondition.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.APP_TYPE_NOT_SUPPORTED));
      assertThat(server.pendingRequests()).isZero();
    }
  }

  @Nested
  class Responses {
    @Test
    void expiresInIsTheAbsoluteUnixTimeNotALifetime() {
      // 2024-07-04: long past, so adding it to "now" would be caught.
      server.replyJson(200, TOKENS, LOGID);

      GrantResult result = oauth.refresh(web(), Secret.of(REFRESH_TOKEN));

      assertThat(((GrantResult.Granted) result).tokens().accessTokenExpireTime())
          .isEqualTo(Instant.parse("2024-07-04T13:06:28Z"))
          .isEqualTo(Instant.ofEpochSecond(1720098388L));
    }

    @Test
    void expiresInBeyond2038FitsInALong() {
      server.replyJson(
          200, "{\"access_token\":\"a\",\"expires_in\":4102444800,\"refresh_token\":\"r\"}", LOGID);

      GrantResult result = oauth.refresh(web(), Secret.of(REFRESH_TOKEN));

      assertThat(((GrantResult.Granted) result).tokens().accessTokenExpireTime())
          .isEqualTo(Instant.parse("2100-01-01T00:00:00Z"));
    }

    @Test
    void anExpiresInNoClockCanHoldKeepsTheRotatedTokensAsExpired() {
      server.replyJson(
          200,
          "{\"access_token\":\"a\",\"expires_in\":999999999999999999,\"refresh_token\":\"r\"}",
          LOGID);

      GrantResult result = oauth.refresh(web(), Secret.of(REFRESH_TOKEN));

      TokenSet tokens = ((GrantResult.Granted) result).tokens();
      assertThat(tokens.refreshToken()).isEqualTo(Secret.of("r"));
      assertThat(tokens.accessTokenExpireTime()).isEqualTo(Instant.EPOCH);
    }

    @Test
    void aSuccessStatusWithAnErrorBodyIsUnavailableNotARejection() {
      server.replyJson(
          200, "{\"error_code\":\"invalid_grant\",\"error\":\"invalid_grant\"}", LOGID);

      assertThatThrownBy(() -> oauth.refresh(web(), Secret.of(REFRESH_TOKEN)))
          .isInstanceOfSatisfying(
              GatewayException.Unavailable.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.COZE_UNAVAILABLE));
    }

    @Test
    void tokenTypeIsNotRequiredAndUnknownFieldsAreIgnored() {
      server.replyJson(
          200,
          "{\"refresh_token\":\"r\",\"scope\":\"x\",\"expires_in\":1720098388,"
              + "\"access_token\":\"a\",\"extra\":{\"n\":1}}",
          LOGID);

      GrantResult result = oauth.refresh(web(), Secret.of(REFRESH_TOKEN));

      assertThat(result)
          .isEqualTo(
              new GrantResult.Granted(
                  new TokenSet(Secret.of("a"), Instant.ofEpochSecond(1720098388L), Secret.of("r")),
                  LOGID));
    }

    @Test
    void logIdIsReadCaseInsensitively() {
      // The JDK server sends this as "X-tt-logid", unlike the canonical "X-Tt-Logid".
      server.reply(200, "application/json", TOKENS, "x-tt-logid", LOGID);

      assertThat(oauth.refresh(web(), Secret.of(REFRESH_TOKEN)).logId()).isEqualTo(LOGID);
    }

    @Test
    void missingLogIdIsEmpty() {
      server.reply(200, "application/json", TOKENS);

      assertThat(oauth.refresh(web(), Secret.of(REFRESH_TOKEN)).logId()).isEmpty();
    }

    @Test
    void tokenResponseWithoutARefreshTokenIsUnavailable() {
      server.replyJson(200, "{\"access_token\":\"a\",\"expires_in\":1720098388}", LOGID);

      assertThatThrownBy(() -> oauth.refresh(web(), Secret.of(REFRESH_TOKEN)))
          .isInstanceOfSatisfying(
              GatewayException.Unavailable.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.COZE_UNAVAILABLE);
                assertThat(e.getMessage()).contains("refresh_token");
              });
    }
  }

  @Nested
  class Errors {
    @Test
    void invalidGrantIsARejectionWithTheLogId() throws Exception {
      server.replyJson(
          400,
          "{\"error_code\":\"invalid_grant\",\"error_message\":\"refresh token is invalid\","
              + "\"error\":\"invalid_grant\"}",
          LOGID);

      GrantResult result = oauth.refresh(web(), Secret.of(REFRESH_TOKEN));

      assertThat(result)
          .isEqualTo(new GrantResult.Rejected("invalid_grant", "refresh token is invalid", LOGID));
      assertThat(server.takeRequest()).isNotNull();
      assertThat(server.pendingRequests()).as("never retried").isZero();
    }

    @Test
    void errorCodeFallsBackToError() {
      server.replyJson(400, "{\"error\":\"invalid_grant\"}", LOGID);

      assertThat(oauth.exchangeCode(pkce(), CODE, Secret.of(VERIFIER)))
          .isEqualTo(new GrantResult.Rejected("invalid_grant", "", LOGID));
    }

    @Test
    void otherInvalidRequestIsARejection() {
      server.replyJson(
          400,
          "{\"error_code\":\"invalid_request\",\"error_message\":\"invalid request: code\"}",
          LOGID);

      assertThat(oauth.exchangeCode(web(), CODE, Secret.of(VERIFIER)))
          .isEqualTo(new GrantResult.Rejected("invalid_request", "invalid request: code", LOGID));
    }

    @Test
    void invalidClientMeansTheAppIsMisconfigured() {
      server.replyJson(
          401,
          "{\"error_code\":\"invalid_client\",\"error_message\":\"/\",\"error\":\"invalid_client\"}",
          LOGID);

      assertThatThrownBy(() -> oauth.exchangeCode(web(), CODE, Secret.of(VERIFIER)))
          .isInstanceOfSatisfying(
              GatewayException.FailedPrecondition.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED);
                assertThat(e.metadata()).containsEntry("coze_logid", LOGID);
                assertThat(e.getMessage()).contains("invalid_client");
                assertNoSecrets(e);
              });
    }

    @Test
    void accessDenyMeansTheAppIsMisconfigured() {
      server.replyJson(
          400,
          "{\"error_code\":\"access_deny\",\"error_message\":\"app: demo is currently"
              + " deactivated by the owner\"}",
          LOGID);

      assertThatThrownBy(() -> oauth.refresh(web(), Secret.of(REFRESH_TOKEN)))
          .isInstanceOfSatisfying(
              GatewayException.FailedPrecondition.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED);
                assertThat(e.getMessage()).contains("deactivated");
                assertThat(e.metadata()).containsEntry("coze_logid", LOGID);
              });
    }

    @Test
    void pkceExchangeForAConfidentialAppMeansTheAppIsMisconfigured() {
      // §5.1: the app is registered at Coze as a Web app but configured here as PKCE.
      server.replyJson(
          400,
          "{\"error_code\":\"invalid_request\",\"error_message\":\"invalid request:"
              + " client_secret\",\"error\":\"invalid_request\"}",
          LOGID);

      assertThatThrownBy(() -> oauth.exchangeCode(pkce(), CODE, Secret.of(VERIFIER)))
          .isInstanceOfSatisfying(
              GatewayException.FailedPrecondition.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED);
                assertThat(e.metadata()).containsEntry("coze_logid", LOGID);
              });
    }

    @Test
    void internalErrorIsUnavailable() {
      server.replyJson(
          400,
          "{\"error_code\":\"internal_error\",\"error_message\":\"Service internal error.\"}",
          LOGID);

      assertUnavailable(() -> oauth.refresh(web(), Secret.of(REFRESH_TOKEN)), LOGID);
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503, 504})
    void serverErrorsAreUnavailableAndNotRetried(int status) throws Exception {
      server.replyJson(
          status,
          "{\"error_code\":\"internal_error\",\"error_message\":\"Service internal error.\"}",
          LOGID);

      assertUnavailable(() -> oauth.refresh(web(), Secret.of(REFRESH_TOKEN)), LOGID);
      assertThat(server.takeRequest()).isNotNull();
      assertThat(server.pendingRequests()).as("never retried").isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 400, 401, 502})
    void nonJsonBodiesAreUnavailable(int status) {
      server.reply(
          status,
          "text/html",
          "<html>Bad gateway, token " + REFRESH_TOKEN + "</html>",
          "X-Tt-Logid",
          LOGID);

      assertUnavailable(() -> oauth.refresh(web(), Secret.of(REFRESH_TOKEN)), LOGID);
    }

    @Test
    void emptyBodyIsUnavailable() {
      server.reply(400, null, "", "X-Tt-Logid", LOGID);

      assertUnavailable(() -> oauth.refresh(pkce(), Secret.of(REFRESH_TOKEN)), LOGID);
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 429})
    void throttlingIsUnavailableNotARejection(int status) {
      server.replyJson(
          status, "{\"error_code\":\"too_many_requests\",\"error_message\":\"slow down\"}", LOGID);

      assertUnavailable(() -> oauth.refresh(web(), Secret.of(REFRESH_TOKEN)), LOGID);
    }

    @Test
    void redirectsAreNotFollowed() throws Exception {
      server.reply(302, null, "", "Location", "https://elsewhere.example/");

      assertUnavailable(() -> oauth.refresh(web(), Secret.of(REFRESH_TOKEN)), "");
      assertThat(server.takeRequest()).isNotNull();
      assertThat(server.pendingRequests()).isZero();
    }

    @Test
    void connectionRefusedIsUnavailable() throws IOException {
      URI closed;
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        closed = URI.create("http://127.0.0.1:" + socket.getLocalPort());
      }

      assertUnavailable(() -> oauth.refresh(TestApps.web(closed), Secret.of(REFRESH_TOKEN)), "");
    }

    @Test
    void aSlowCozeTimesOutAsUnavailable() throws Exception {
      CozeOAuth impatient =
          TestApps.cozeOAuth(
              new CozeHttpConfig(Duration.ofSeconds(5), Duration.ofMillis(300)),
              OpenTelemetry.noop());
      CountDownLatch release = server.holdReplies();
      server.replyJson(200, TOKENS, LOGID);
      try {
        assertThatThrownBy(() -> impatient.exchangeCode(web(), CODE, Secret.of(VERIFIER)))
            .isInstanceOfSatisfying(
                GatewayException.Unavailable.class,
                e -> {
                  assertThat(e.reason()).isEqualTo(Reason.COZE_UNAVAILABLE);
                  assertThat(e.getMessage()).contains("did not answer");
                  assertNoSecrets(e);
                });
        assertThat(server.takeRequest().path()).isEqualTo(TOKEN_PATH);
        assertThat(server.pendingRequests()).as("never retried").isZero();
      } finally {
        release.countDown();
      }
    }

    @Test
    void messagesNeverContainWhatWasSentEvenIfCozeEchoesIt() {
      // Coze can only echo what the request carried: the secret and the refresh token on a
      // refresh, the secret, the code and the verifier on an exchange.
      String refreshEcho = "bad " + WEB_SECRET + " / " + REFRESH_TOKEN + " / client_secret";
      String exchangeEcho =
          "bad " + WEB_SECRET + " / " + CODE + " / " + VERIFIER + " / client_secret";
      for (String code : List.of("invalid_client", "access_deny", "invalid_request")) {
        server.replyJson(401, errorBody(code, refreshEcho), LOGID);
        assertThatThrownBy(() -> oauth.refresh(web(), Secret.of(REFRESH_TOKEN)))
            .isInstanceOfSatisfying(GatewayException.class, HttpCozeOAuthTest::assertNoSecrets);
        server.replyJson(401, errorBody(code, exchangeEcho), LOGID);
        assertThatThrownBy(() -> oauth.exchangeCode(web(), CODE, Secret.of(VERIFIER)))
            .isInstanceOfSatisfying(GatewayException.class, HttpCozeOAuthTest::assertNoSecrets);
      }
      for (String code : List.of("invalid_grant", "internal_error")) {
        server.replyJson(400, errorBody(code, refreshEcho), LOGID);
        try {
          GrantResult result = oauth.refresh(web(), Secret.of(REFRESH_TOKEN));
          assertThat(((GrantResult.Rejected) result).message())
              .doesNotContain(WEB_SECRET, REFRESH_TOKEN)
              .contains("[redacted]");
        } catch (GatewayException e) {
          assertNoSecrets(e);
        }
        server.replyJson(400, errorBody(code, exchangeEcho), LOGID);
        try {
          GrantResult result = oauth.exchangeCode(web(), CODE, Secret.of(VERIFIER));
          assertThat(((GrantResult.Rejected) result).message())
              .doesNotContain(WEB_SECRET, CODE, VERIFIER)
              .contains("[redacted]");
        } catch (GatewayException e) {
          assertNoSecrets(e);
        }
      }
      server.replyJson(503, errorBody("internal_error", refreshEcho), LOGID);
      assertUnavailable(() -> oauth.refresh(web(), Secret.of(REFRESH_TOKEN)), LOGID);
    }

    @Test
    void debugLogsNameEndpointStatusAndLogIdButNoSecrets() {
      Logger logger = (Logger) LoggerFactory.getLogger(HttpCozeOAuth.class);
      ListAppender<ILoggingEvent> appender = new ListAppender<>();
      appender.start();
      Level previous = logger.getLevel();
      logger.setLevel(Level.DEBUG);
      logger.setAdditive(false);
      logger.addAppender(appender);
      try {
        server.replyJson(200, TOKENS, LOGID);
        oauth.exchangeCode(web(), CODE, Secret.of(VERIFIER));
        oauth.refresh(web(), Secret.of(REFRESH_TOKEN));
        server.replyJson(
            401, "{\"error_code\":\"invalid_client\",\"error_message\":\"/\"}", "logid-401");
        assertThatThrownBy(() -> oauth.refresh(web(), Secret.of(REFRESH_TOKEN)))
            .isInstanceOf(GatewayException.FailedPrecondition.class);
      } finally {
        logger.detachAppender(appender);
        logger.setAdditive(true);
        logger.setLevel(previous);
      }

      List<String> lines = appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
      assertThat(lines)
          .hasSize(3)
          .allSatisfy(
              line ->
                  assertThat(line)
                      .contains(server.baseUri() + TOKEN_PATH)
                      .doesNotContain(
                          WEB_SECRET,
                          CODE,
                          VERIFIER,
                          REFRESH_TOKEN,
                          NEW_REFRESH_TOKEN,
                          ACCESS_TOKEN));
      assertThat(lines.get(0)).contains("status=200", "logid=" + LOGID);
      assertThat(lines.get(2)).contains("status=401", "logid=logid-401");
    }
  }

  @Nested
  class AuthorizeUri {
    @Test
    void buildsTheUrlAsOfficialClientsDo() {
      App app =
          TestApps.web(
              URI.create("https://api.coze.com"),
              "client id",
              WEB_SECRET,
              URI.create("https://example.com"));

      URI uri = oauth.authorizeUri(app, "state", "73oehA2tBul5grZPhXUGQwNAjxh69zNES8bu2bVD0EM", "");

      assertThat(uri)
          .hasToString(
              "https://www.coze.com/api/permission/oauth2/authorize?response_type=code"
                  + "&client_id=client+id&redirect_uri=https%3A%2F%2Fexample.com&state=state"
                  + "&code_challenge=73oehA2tBul5grZPhXUGQwNAjxh69zNES8bu2bVD0EM"
                  + "&code_challenge_method=S256");
      assertThat(server.pendingRequests()).as("pure: no call").isZero();
    }

    @Test
    void buildsTheWorkspaceScopedUrlAsOfficialClientsDo() {
      App app =
          TestApps.web(
              URI.create("https://api.coze.com"),
              "client id",
              WEB_SECRET,
              URI.create("https://example.com"));

      URI uri =
          oauth.authorizeUri(
              app, "state", "73oehA2tBul5grZPhXUGQwNAjxh69zNES8bu2bVD0EM", "7390000000000000001");

      // §3.4's second example, with the PKCE parameters of §3.5.
      assertThat(uri)
          .hasToString(
              "https://www.coze.com/api/permission/oauth2/workspace_id/7390000000000000001"
                  + "/authorize?response_type=code"
                  + "&client_id=client+id&redirect_uri=https%3A%2F%2Fexample.com&state=state"
                  + "&code_challenge=73oehA2tBul5grZPhXUGQwNAjxh69zNES8bu2bVD0EM"
                  + "&code_challenge_method=S256");
      assertThat(server.pendingRequests()).as("pure: no call").isZero();
    }

    @Test
    void aWorkspaceIdCannotAddAPathSegment() {
      URI uri = oauth.authorizeUri(pkce(), "state", "challenge", "1/../x y");

      assertThat(uri.getRawPath())
          .isEqualTo("/api/permission/oauth2/workspace_id/1%2F..%2Fx%20y/authorize");
    }

    @Test
    void encodesEveryValueSoItSurvivesTheRoundTrip() {
      String state = "a b&c=d/é+?#%";
      URI redirect = URI.create("https://gateway.example/cb?tenant=a&x=%2F");
      App app = TestApps.pkce(server.baseUri(), "id with spaces&=", redirect);

      URI uri = oauth.authorizeUri(app, state, "chal-_lenge", "");

      assertThat(uri.getScheme() + "://" + uri.getRawAuthority())
          .as("a host without api. serves pages and API on one origin")
          .isEqualTo(server.baseUri().toString());
      assertThat(uri.getRawPath()).isEqualTo("/api/permission/oauth2/authorize");
      assertThat(uri.getRawFragment()).isNull();
      assertThat(query(uri))
          .containsExactly(
              Map.entry("response_type", "code"),
              Map.entry("client_id", "id with spaces&="),
              Map.entry("redirect_uri", redirect.toString()),
              Map.entry("state", state),
              Map.entry("code_challenge", "chal-_lenge"),
              Map.entry("code_challenge_method", "S256"));
    }
  }

  private App web() {
    return TestApps.web(server.baseUri());
  }

  private App pkce() {
    return TestApps.pkce(server.baseUri());
  }

  private App pkce(URI base) {
    return TestApps.pkce(base);
  }

  private static String errorBody(String errorCode, String message) {
    return "{\"error_code\":\""
        + errorCode
        + "\",\"error_message\":\""
        + message
        + "\",\"error\":\""
        + errorCode
        + "\"}";
  }

  private static GrantResult granted() {
    return new GrantResult.Granted(
        new TokenSet(
            Secret.of(ACCESS_TOKEN),
            Instant.ofEpochSecond(1720098388L),
            Secret.of(NEW_REFRESH_TOKEN)),
        LOGID);
  }

  private static Map<String, Object> body(Recorded request) throws IOException {
    return JSON.readValue(request.body(), new TypeReference<>() {});
  }

  /** Asserts a JSON POST to the token path with this Authorization (or none); returns the body. */
  private static Map<String, Object> tokenPostBody(Recorded request, String authorization)
      throws IOException {
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo(TOKEN_PATH);
    assertThat(request.header("Content-Type")).startsWith("application/json");
    if (authorization == null) {
      assertThat(request.headers().containsKey("Authorization")).isFalse();
    } else {
      assertThat(request.header("Authorization")).isEqualTo(authorization);
    }
    return body(request);
  }

  private static void assertUnavailable(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String logId) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            GatewayException.Unavailable.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.COZE_UNAVAILABLE);
              if (logId.isEmpty()) {
                assertThat(e.metadata()).doesNotContainKey("coze_logid");
              } else {
                assertThat(e.metadata()).containsEntry("coze_logid", logId);
              }
              assertNoSecrets(e);
            });
  }

  private static void assertNoSecrets(GatewayException e) {
    String[] secrets = {WEB_SECRET, REFRESH_TOKEN, CODE, VERIFIER, ACCESS_TOKEN, NEW_REFRESH_TOKEN};
    assertThat(e.getMessage()).doesNotContain(secrets);
    assertThat(e.metadata().values())
        .allSatisfy(value -> assertThat(value).doesNotContain(secrets));
  }
}
