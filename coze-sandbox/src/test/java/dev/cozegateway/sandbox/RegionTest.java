package dev.cozegateway.sandbox;

import static dev.cozegateway.sandbox.SandboxTestClient.ECHO;
import static dev.cozegateway.sandbox.SandboxTestClient.JWT_ID;
import static dev.cozegateway.sandbox.SandboxTestClient.JWT_KID;
import static dev.cozegateway.sandbox.SandboxTestClient.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpResponse;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Apps and tokens belong to one region (§1, §5.1); the sandbox presents one of them. */
class RegionTest {
  private static final String CN_WEB_ID = "60000000000000000000000000000006.app.coze";
  private static final String CN_WEB_SECRET = "czvCnSecretForTests00000000000000000000000000";
  private static final String CN_JWT_ID = "70000000000000000000000000000007.app.coze";
  private static final String CN_KID = "cn-kid-0001";

  /** One app of each region-sensitive kind registered for coze.cn only, next to the defaults. */
  private static SandboxConfig config() {
    return SandboxConfig.defaults()
        .withClock(new SandboxClock(InstantSource.fixed(T0)))
        .withApp(SandboxApp.jwt(JWT_ID, JWT_KID, TestJwts.KEYS.getPublic()))
        .withApp(
            SandboxApp.jwt(CN_JWT_ID, CN_KID, TestJwts.STRANGER.getPublic())
                .inRegion(SandboxConfig.COZE_CN))
        .withApp(
            SandboxApp.web(CN_WEB_ID, CN_WEB_SECRET, "https://cn.example/cb")
                .inRegion(SandboxConfig.COZE_CN))
        .withWorkflows(SandboxTestClient.WORKFLOWS);
  }

  @Test
  void theDefaultRegionIsCozeCom() {
    assertThat(SandboxConfig.defaults().region()).isEqualTo(SandboxConfig.COZE_COM);
    try (CozeSandbox sandbox = CozeSandbox.start(config())) {
      assertThat(sandbox.region()).isEqualTo("coze.com");
    }
  }

  @Test
  void aCozeCnKeyOnCozeComIsTheKidError() {
    try (CozeSandbox com = CozeSandbox.start(config())) {
      SandboxTestClient http = new SandboxTestClient(com);
      String jwt =
          TestJwts.sign(
              TestJwts.STRANGER.getPrivate(),
              TestJwts.header(CN_KID),
              TestJwts.claims(CN_JWT_ID, com.jwtAudience(), T0));

      HttpResponse<String> response = http.jwtGrant(jwt);

      assertThat(http.assertOAuthError(response, 401, "invalid_client"))
          .isEqualTo("invalid jwt: kid not been registred");
      // The app without a region works in either.
      assertThat(http.jwtGrant(http.jwt()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void theSameKeyWorksOnACozeCnSandboxWithItsApiHostAsAudience() {
    try (CozeSandbox cn = CozeSandbox.start(config().withRegion(SandboxConfig.COZE_CN))) {
      SandboxTestClient http = new SandboxTestClient(cn);
      String jwt =
          TestJwts.sign(
              TestJwts.STRANGER.getPrivate(),
              TestJwts.header(CN_KID),
              TestJwts.claims(CN_JWT_ID, "api.coze.cn", T0));

      HttpResponse<String> response = http.jwtGrant(jwt);

      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(cn.region()).isEqualTo("coze.cn");
    }
  }

  @Test
  void theOtherRegionsApiHostIsNoAudience() {
    try (CozeSandbox cn = CozeSandbox.start(config().withRegion(SandboxConfig.COZE_CN))) {
      SandboxTestClient http = new SandboxTestClient(cn);
      String jwt =
          TestJwts.sign(
              TestJwts.STRANGER.getPrivate(),
              TestJwts.header(CN_KID),
              TestJwts.claims(CN_JWT_ID, "api.coze.com", T0));

      assertThat(http.assertOAuthError(http.jwtGrant(jwt), 401, "invalid_client")).contains("aud");
    }
  }

  @Test
  void aCozeCnWebAppIsUnknownOnCozeCom() {
    try (CozeSandbox com = CozeSandbox.start(config())) {
      SandboxTestClient http = new SandboxTestClient(com);

      HttpResponse<String> token =
          http.exchange(
              CN_WEB_ID, "code_x", "https://cn.example/cb", null, "Bearer " + CN_WEB_SECRET);
      HttpResponse<String> authorize =
          http.get(
              SandboxTestClient.AUTHORIZE_PATH
                  + "?"
                  + SandboxTestClient.authorizeQuery(
                      CN_WEB_ID, "https://cn.example/cb", "s", null, null));

      http.assertOAuthError(token, 401, "invalid_client");
      assertThat(http.assertOAuthError(authorize, 400, "invalid_request"))
          .isEqualTo("invalid request: client_id");
    }
  }

  @Test
  void aTokenFromTheOtherRegionIsAuthenticationInvalid() {
    try (CozeSandbox cn = CozeSandbox.start(config().withRegion(SandboxConfig.COZE_CN));
        CozeSandbox com = CozeSandbox.start(config())) {
      SandboxTestClient cnHttp = new SandboxTestClient(cn);
      String cnToken = cnHttp.json(cnHttp.jwtGrant(cnHttp.jwt())).get("access_token").asText();
      SandboxTestClient comHttp = new SandboxTestClient(com);

      HttpResponse<String> run =
          comHttp.postWorkflow("/v1/workflow/run", cnToken, Map.of("workflow_id", ECHO));

      assertThat(comHttp.assertBusinessError(run, 4100)).isEqualTo("authentication is invalid");
      cnHttp.assertSuccess(
          cnHttp.postWorkflow("/v1/workflow/run", cnToken, Map.of("workflow_id", ECHO)));
    }
  }

  @Test
  void unknownRegionsFailAtConstruction() {
    assertThatThrownBy(() -> SandboxConfig.defaults().withRegion("coze.eu"))
        .hasMessageContaining("region");
    assertThatThrownBy(() -> SandboxApp.device("d").inRegion("api.coze.cn"))
        .hasMessageContaining("region");
  }
}
