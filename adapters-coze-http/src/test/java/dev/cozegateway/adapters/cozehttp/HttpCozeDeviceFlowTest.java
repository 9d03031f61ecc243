package dev.cozegateway.adapters.cozehttp;

import static dev.cozegateway.adapters.cozehttp.TestApps.DEVICE_CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cozegateway.adapters.cozehttp.RecordingCozeServer.Recorded;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.CozeDeviceFlow;
import dev.cozegateway.domain.port.CozeDeviceFlow.DeviceCode;
import dev.cozegateway.domain.port.CozeDeviceFlow.DevicePoll;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The device flow adapter against a loopback server that records the wire traffic (§3.8, §3.9). */
class HttpCozeDeviceFlowTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DEVICE_CODE_PATH = "/api/permission/oauth2/device/code";
  private static final String TOKEN_PATH = "/api/permission/oauth2/token";
  private static final String DEVICE_CODE = "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIyS0123";
  private static final String ACCESS_TOKEN = "czu_UEE2abcdefghijklmnopqrstuvwxyz0123";
  private static final String REFRESH_TOKEN =
      "NYbHWyusGWA03Ar1dpUMr6iuImN9bydfwRWWKpcKqcpTN9sDwmCxopt7Jg7HW6DGJnXLabcd";
  private static final String LOGID = "20240708143040790E78F9318B35A2910B";
  private static final String CODES =
      "{\"device_code\":\""
          + DEVICE_CODE
          + "\",\"user_code\":\"WDJB-MJHT\",\"verification_uri\":\"https://example.com/device\","
          + "\"expires_in\":1800,\"interval\":5}";
  private static final String TOKENS =
      "{\"access_token\":\""
          + ACCESS_TOKEN
          + "\",\"expires_in\":1720098388,\"refresh_token\":\""
          + REFRESH_TOKEN
          + "\"}";

  private RecordingCozeServer server;
  private CozeDeviceFlow coze;

  @BeforeEach
  void startServer() throws IOException {
    server = RecordingCozeServer.start();
    coze =
        TestApps.injector(CozeHttpConfig.defaults(), OpenTelemetry.noop())
            .getInstance(CozeDeviceFlow.class);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Nested
  class DeviceCodes {
    @Test
    void postsTheClientIdWithoutAnAuthorizationHeader() throws Exception {
      server.replyJson(200, CODES, LOGID);

      DeviceCode code = coze.requestDeviceCode(app(), "");

      Recorded request = server.takeRequest();
      assertThat(request.method()).isEqualTo("POST");
      assertThat(request.path()).isEqualTo(DEVICE_CODE_PATH);
      assertThat(request.header("Content-Type")).startsWith("application/json");
      assertThat(request.headers().containsKey("Authorization")).isFalse();
      assertThat(body(request)).isEqualTo(Map.of("client_id", DEVICE_CLIENT_ID));
      assertThat(code)
          .isEqualTo(
              new DeviceCode(
                  Secret.of(DEVICE_CODE),
                  "WDJB-MJHT",
                  URI.create("https://example.com/device"),
                  Duration.ofSeconds(1800),
                  Duration.ofSeconds(5),
                  LOGID));
      assertThat(code.verificationUriComplete())
          .hasToString("https://example.com/device?user_code=WDJB-MJHT");
    }

    @Test
    void aWorkspaceUsesItsVariantOfTheEndpoint() throws Exception {
      server.replyJson(200, CODES, LOGID);

      coze.requestDeviceCode(app(), "7350000000000000001");
      coze.requestDeviceCode(app(), "a/b");

      assertThat(server.takeRequest().path())
          .isEqualTo("/api/permission/oauth2/workspace_id/7350000000000000001/device/code");
      assertThat(server.takeRequest().rawPath())
          .isEqualTo("/api/permission/oauth2/workspace_id/a%2Fb/device/code");
    }

    @Test
    void missingLifetimeAndIntervalTakeCozesDefaults() {
      server.replyJson(
          200,
          "{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":\"https://x.example/d\"}",
          LOGID);

      DeviceCode code = coze.requestDeviceCode(app(), "");

      assertThat(code.expiresIn()).isEqualTo(Duration.ofSeconds(300));
      assertThat(code.interval()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aNumericUserCodeIsAccepted() {
      // The docs' table calls it an Integer (§3.8).
      server.replyJson(
          200,
          "{\"device_code\":\"d\",\"user_code\":12345678,"
              + "\"verification_uri\":\"https://x.example/d\",\"expires_in\":300,\"interval\":5}",
          LOGID);

      assertThat(coze.requestDeviceCode(app(), "").userCode()).isEqualTo("12345678");
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "{\"user_code\":\"U\",\"verification_uri\":\"https://x.example/d\"}",
          "{\"device_code\":\"d\",\"verification_uri\":\"https://x.example/d\"}",
          "{\"device_code\":\"d\",\"user_code\":\"U\"}",
          "{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":\"/relative\"}",
          "{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":\"https://x.example/d\","
              + "\"expires_in\":1720098388}",
          "{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":\"https://x.example/d\","
              + "\"interval\":-1}"
        })
    void anIncompleteOrImplausibleAnswerIsUnavailable(String answer) {
      server.replyJson(200, answer, LOGID);

      assertThatThrownBy(() -> coze.requestDeviceCode(app(), ""))
          .isInstanceOfSatisfying(
              GatewayException.Unavailable.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.COZE_UNAVAILABLE);
                assertThat(e.metadata()).containsEntry("coze_logid", LOGID);
              });
    }

    @Test
    void aRefusalNamesTheAppRegionAndHost() {
      server.replyJson(
          401,
          "{\"error_code\":\"invalid_client\",\"error_message\":\"/\",\"error\":\"invalid_client\"}",
          LOGID);
      App app = app();

      assertThatThrownBy(() -> coze.requestDeviceCode(app, "7350000000000000001"))
          .isInstanceOfSatisfying(
              GatewayException.FailedPrecondition.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED);
                assertThat(e.getMessage())
                    .contains(
                        "apps/tv-app",
                        "Coze region " + app.region().label(),
                        "API host 127.0.0.1:" + server.baseUri().getPort(),
                        "workspace 7350000000000000001",
                        "invalid_client");
                assertThat(e.metadata()).containsEntry("coze_logid", LOGID);
              });
    }

    @Test
    void onlyDeviceAppsAndNothingIsSentOtherwise() {
      for (AppType type : List.of(AppType.PKCE, AppType.JWT)) {
        App app = TestApps.ofType(type, server.baseUri());
        assertThatThrownBy(() -> coze.requestDeviceCode(app, ""))
            .isInstanceOfSatisfying(
                GatewayException.FailedPrecondition.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.APP_TYPE_NOT_SUPPORTED));
        assertThatThrownBy(() -> coze.pollDeviceToken(app, Secret.of(DEVICE_CODE)))
            .isInstanceOf(GatewayException.FailedPrecondition.class);
      }
      assertThat(server.pendingRequests()).isZero();
    }
  }

  @Nested
  class Polls {
    @Test
    void pollsTheTokenEndpointWithTheDeviceCodeGrantAndNoAuthorization() throws Exception {
      server.replyJson(200, TOKENS, LOGID);

      DevicePoll poll = coze.pollDeviceToken(app(), Secret.of(DEVICE_CODE));

      Recorded request = server.takeRequest();
      assertThat(request.path()).isEqualTo(TOKEN_PATH);
      assertThat(request.header("Content-Type")).startsWith("application/json");
      assertThat(request.headers().containsKey("Authorization")).isFalse();
      assertThat(body(request))
          .isEqualTo(
              Map.of(
                  "client_id", DEVICE_CLIENT_ID,
                  "grant_type", "urn:ietf:params:oauth:grant-type:device_code",
                  "device_code", DEVICE_CODE));
      assertThat(poll)
          .as("expires_in is absolute for tokens")
          .isEqualTo(
              new DevicePoll.Granted(
                  new TokenSet(
                      Secret.of(ACCESS_TOKEN),
                      Instant.ofEpochSecond(1720098388L),
                      Secret.of(REFRESH_TOKEN)),
                  LOGID));
    }

    @Test
    void tokensWithoutARefreshTokenAreUnavailable() {
      server.replyJson(200, "{\"access_token\":\"a\",\"expires_in\":1720098388}", LOGID);

      assertUnavailable(LOGID);
    }

    static Stream<Arguments> answers() {
      return Stream.of(
          Arguments.of(
              400,
              "{\"error_code\":\"authorization_pending\",\"error_message\":\"Authorization"
                  + " pending\"}",
              new DevicePoll.Pending(LOGID)),
          Arguments.of(428, "{\"error\":\"authorization_pending\"}", new DevicePoll.Pending(LOGID)),
          Arguments.of(
              400,
              "{\"error_code\":\"slow_down\",\"error_message\":\"Slow Down\"}",
              new DevicePoll.SlowDown(LOGID)),
          Arguments.of(429, "{\"error\":\"slow_down\"}", new DevicePoll.SlowDown(LOGID)),
          Arguments.of(
              400,
              "{\"error_code\":\"access_denied\",\"error\":\"access_denied\","
                  + "\"error_description\":\"user denied\"}",
              new DevicePoll.Denied(LOGID)),
          Arguments.of(400, "{\"error_code\":\"expired_token\"}", new DevicePoll.Expired(LOGID)),
          Arguments.of(
              400,
              "{\"error_code\":\"invalid_grant\",\"error_message\":\"Invalid grant\"}",
              new DevicePoll.Rejected("invalid_grant", "Invalid grant", LOGID)),
          Arguments.of(
              403,
              "{\"error\":\"something_new\"}",
              new DevicePoll.Rejected("something_new", "", LOGID)),
          Arguments.of(404, "{}", new DevicePoll.Rejected("http_404", "", LOGID)));
    }

    @ParameterizedTest
    @MethodSource("answers")
    void cozesAnswerIsTheOutcome(int status, String body, DevicePoll expected) throws Exception {
      server.replyJson(status, body, LOGID);

      assertThat(coze.pollDeviceToken(app(), Secret.of(DEVICE_CODE))).isEqualTo(expected);
      assertThat(server.takeRequest()).isNotNull();
      assertThat(server.pendingRequests()).as("never retried").isZero();
    }

    @Test
    void invalidClientMeansTheAppIsMisconfigured() {
      server.replyJson(
          401,
          "{\"error_code\":\"invalid_client\",\"error_message\":\"/\",\"error\":\"invalid_client\"}",
          LOGID);

      assertThatThrownBy(() -> coze.pollDeviceToken(app(), Secret.of(DEVICE_CODE)))
          .isInstanceOfSatisfying(
              GatewayException.FailedPrecondition.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED);
                assertThat(e.getMessage()).contains("apps/tv-app", "API host 127.0.0.1:");
                assertThat(e.metadata()).containsEntry("coze_error_code", "invalid_client");
              });
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503})
    void serverErrorsAreUnavailable(int status) {
      server.replyJson(
          status, "{\"error_code\":\"internal_error\",\"error_message\":\"busy\"}", LOGID);

      assertUnavailable(LOGID);
    }

    @Test
    void internalErrorAndNonJsonAreUnavailable() {
      server.replyJson(400, "{\"error_code\":\"internal_error\"}", LOGID);
      assertUnavailable(LOGID);
      server.reply(400, "text/html", "<html>proxy</html>", "X-Tt-Logid", LOGID);
      assertUnavailable(LOGID);
    }

    @Test
    void connectionRefusedIsUnavailable() {
      URI closed = TestApps.closedLoopbackUri();

      assertThatThrownBy(
              () -> coze.pollDeviceToken(TestApps.device(closed), Secret.of(DEVICE_CODE)))
          .isInstanceOf(GatewayException.Unavailable.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 503})
    void theDeviceCodeNeverReachesAMessageEvenIfCozeEchoesIt(int status) {
      String echo = "bad device_code " + DEVICE_CODE;
      for (String code : List.of("invalid_grant", "invalid_client")) {
        server.replyJson(
            status, "{\"error_code\":\"" + code + "\",\"error_message\":\"" + echo + "\"}", LOGID);
        try {
          DevicePoll poll = coze.pollDeviceToken(app(), Secret.of(DEVICE_CODE));
          assertThat(((DevicePoll.Rejected) poll).message())
              .doesNotContain(DEVICE_CODE)
              .contains("[redacted]");
        } catch (GatewayException e) {
          assertThat(e.getMessage()).doesNotContain(DEVICE_CODE).contains("[redacted]");
        }
      }
    }
  }

  @Test
  void debugLogsNameEndpointStatusAndLogIdButNoSecrets() {
    List<String> lines =
        DebugLog.capture(
            HttpCozeDeviceFlow.class,
            () -> {
              server.replyJson(200, CODES, LOGID);
              coze.requestDeviceCode(app(), "");
              server.replyJson(200, TOKENS, LOGID);
              coze.pollDeviceToken(app(), Secret.of(DEVICE_CODE));
            });

    assertThat(lines)
        .hasSize(2)
        .allSatisfy(
            line ->
                assertThat(line)
                    .contains("status=200", "logid=" + LOGID)
                    .doesNotContain(DEVICE_CODE, ACCESS_TOKEN, REFRESH_TOKEN));
    assertThat(lines.get(0)).contains(server.baseUri() + DEVICE_CODE_PATH);
    assertThat(lines.get(1)).contains(server.baseUri() + TOKEN_PATH);
  }

  private App app() {
    return TestApps.device(server.baseUri());
  }

  private void assertUnavailable(String logId) {
    assertThatThrownBy(() -> coze.pollDeviceToken(app(), Secret.of(DEVICE_CODE)))
        .isInstanceOfSatisfying(
            GatewayException.Unavailable.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.COZE_UNAVAILABLE);
              assertThat(e.metadata()).containsEntry("coze_logid", logId);
              assertThat(e.getMessage()).doesNotContain(DEVICE_CODE, ACCESS_TOKEN);
            });
  }

  private static Map<String, Object> body(Recorded request) throws IOException {
    return JSON.readValue(request.body(), new TypeReference<>() {});
  }
}
