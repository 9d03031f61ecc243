package dev.cozegateway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SandboxConfigTest {

  @Test
  void defaultsUseCozeLifetimes() {
    SandboxConfig config = SandboxConfig.defaults();

    assertThat(config.port()).isZero();
    assertThat(config.apps()).isEmpty();
    assertThat(config.accessTokenLifetime()).isEqualTo(Duration.ofMinutes(15));
    assertThat(config.refreshTokenLifetime()).isEqualTo(Duration.ofDays(30));
    assertThat(config.autoApprove()).isFalse();
    assertThat(config.clock()).isNotNull();
  }

  @Test
  void demoAppsHaveRealisticIds() {
    SandboxConfig demo = SandboxConfig.demo(8089);

    assertThat(demo.port()).isEqualTo(8089);
    assertThat(demo.apps())
        .extracting(SandboxApp::clientId, SandboxApp::type)
        .containsExactly(
            tuple(SandboxConfig.DEMO_WEB_CLIENT_ID, SandboxApp.WEB),
            tuple(SandboxConfig.DEMO_PKCE_CLIENT_ID, SandboxApp.PKCE),
            tuple(SandboxConfig.DEMO_DEVICE_CLIENT_ID, SandboxApp.DEVICE),
            tuple(SandboxConfig.DEMO_JWT_CLIENT_ID, SandboxApp.JWT));
    assertThat(
            List.of(
                SandboxConfig.DEMO_WEB_CLIENT_ID,
                SandboxConfig.DEMO_PKCE_CLIENT_ID,
                SandboxConfig.DEMO_DEVICE_CLIENT_ID,
                SandboxConfig.DEMO_JWT_CLIENT_ID))
        .allSatisfy(id -> assertThat(id).matches("\\d{32}\\.app\\.coze"))
        .doesNotHaveDuplicates();
    assertThat(demo.apps().get(0).clientSecret()).isEqualTo(SandboxConfig.DEMO_WEB_CLIENT_SECRET);
    assertThat(demo.apps().subList(0, 2))
        .allSatisfy(
            app -> assertThat(app.redirectUris()).isEqualTo(SandboxConfig.DEMO_REDIRECT_URIS));
    assertThat(demo.apps().get(3).keyId()).isEqualTo(SandboxConfig.DEMO_JWT_KEY_ID);
    assertThat(demo.apps()).allSatisfy(app -> assertThat(app.region()).isNull());
  }

  @Test
  void theDemoKeyIdIsTheFingerprintOfTheDemoPublicKey() throws Exception {
    SandboxApp jwtApp = SandboxConfig.demo(0).apps().get(3);

    byte[] digest =
        java.security.MessageDigest.getInstance("SHA-256").digest(jwtApp.publicKey().getEncoded());

    assertThat(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest))
        .isEqualTo(SandboxConfig.DEMO_JWT_KEY_ID);
    assertThat(SandboxConfig.demoJwtPrivateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
  }

  @Test
  void theDemoPrivateKeyBuysATokenFromTheDemoSandbox() {
    try (CozeSandbox demo = CozeSandbox.start(SandboxConfig.demo(0))) {
      SandboxTestClient http = new SandboxTestClient(demo);
      String jwt =
          TestJwts.sign(
              TestJwts.pkcs8(SandboxConfig.demoJwtPrivateKeyPem()),
              TestJwts.header(SandboxConfig.DEMO_JWT_KEY_ID),
              TestJwts.claims(
                  SandboxConfig.DEMO_JWT_CLIENT_ID, demo.jwtAudience(), demo.clock().instant()));

      java.net.http.HttpResponse<String> response = http.jwtGrant(jwt);

      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(demo.isAccessTokenValid(http.json(response).get("access_token").asText()))
          .isTrue();
      assertThat(http.requestDeviceCode(SandboxConfig.DEMO_DEVICE_CLIENT_ID, null).statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void demoTakesOtherRedirectUris() {
    SandboxConfig demo = SandboxConfig.demo(0, List.of("https://gw.example/cb"));

    assertThat(demo.apps().subList(0, 2))
        .allSatisfy(app -> assertThat(app.redirectUris()).containsExactly("https://gw.example/cb"));
    assertThat(demo.apps().subList(2, 4))
        .allSatisfy(app -> assertThat(app.redirectUris()).isEmpty());
  }

  @Test
  void withersChangeOneThing() {
    SandboxClock clock = new SandboxClock();
    SandboxConfig config =
        SandboxConfig.defaults()
            .withPort(1234)
            .withAccessTokenLifetime(Duration.ofMinutes(1))
            .withRefreshTokenLifetime(Duration.ofHours(1))
            .withAutoApprove(true)
            .withClock(clock)
            .withApp(SandboxApp.pkce("p", "https://x.example/cb"))
            .withWorkflow(new SandboxWorkflow.Echo("7431", "echo"))
            .withAsyncRunsAllowed(false)
            .withRegion(SandboxConfig.COZE_CN)
            .withDeviceCodeLifetime(Duration.ofMinutes(10))
            .withDevicePollInterval(Duration.ofSeconds(2));

    assertThat(config)
        .isEqualTo(
            new SandboxConfig(
                1234,
                List.of(SandboxApp.pkce("p", "https://x.example/cb")),
                Duration.ofMinutes(1),
                Duration.ofHours(1),
                true,
                clock,
                List.of(new SandboxWorkflow.Echo("7431", "echo")),
                false,
                "coze.cn",
                Duration.ofMinutes(10),
                Duration.ofSeconds(2)));
  }

  @Test
  void invalidConfigsFailAtConstruction() {
    SandboxConfig base = SandboxConfig.defaults();
    SandboxApp app = SandboxApp.pkce("same", "https://x.example/cb");

    assertThatThrownBy(() -> base.withPort(70_000)).hasMessageContaining("port");
    assertThatThrownBy(() -> base.withApp(app).withApp(app)).hasMessageContaining("duplicate");
    assertThatThrownBy(() -> base.withAccessTokenLifetime(Duration.ZERO))
        .hasMessageContaining("accessTokenLifetime");
    assertThatThrownBy(() -> base.withRefreshTokenLifetime(Duration.ofSeconds(-1)))
        .hasMessageContaining("refreshTokenLifetime");
    assertThatThrownBy(() -> base.withClock(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> base.withDeviceCodeLifetime(Duration.ZERO))
        .hasMessageContaining("deviceCodeLifetime");
    assertThatThrownBy(() -> base.withDevicePollInterval(Duration.ofMillis(1500)))
        .hasMessageContaining("whole seconds");
    assertThatThrownBy(() -> base.withDevicePollInterval(Duration.ZERO))
        .hasMessageContaining("devicePollInterval");
    SandboxApp jwtApp = SandboxApp.jwt("j1", "kid", TestJwts.KEYS.getPublic());
    SandboxApp sameKid = SandboxApp.jwt("j2", "kid", TestJwts.STRANGER.getPublic());
    assertThatThrownBy(() -> base.withApp(jwtApp).withApp(sameKid))
        .hasMessageContaining("duplicate JWT key id");
  }

  @Test
  void appsAreValidatedByType() {
    assertThatThrownBy(() -> SandboxApp.web("w", null, "https://x.example/cb"))
        .hasMessageContaining("clientSecret");
    assertThatThrownBy(
            () -> new SandboxApp("p", SandboxApp.PKCE, "secret", List.of("https://x.example/cb")))
        .hasMessageContaining("no client secret");
    assertThatThrownBy(() -> new SandboxApp("d", "tv", null, List.of("https://x.example/cb")))
        .hasMessageContaining("unknown app type");
    assertThatThrownBy(
            () -> new SandboxApp("d", SandboxApp.DEVICE, null, List.of("https://x.example/cb")))
        .hasMessageContaining("no redirect URIs");
    assertThatThrownBy(
            () ->
                new SandboxApp(
                    "j", SandboxApp.JWT, null, List.of(), TestJwts.KEYS.getPublic(), " ", null))
        .hasMessageContaining("keyId");
    assertThatThrownBy(() -> new SandboxApp("j", SandboxApp.JWT, null, List.of(), null, "k", null))
        .hasMessageContaining("publicKey");
    assertThatThrownBy(
            () ->
                new SandboxApp(
                    "w",
                    SandboxApp.WEB,
                    "s",
                    List.of("https://x.example/cb"),
                    TestJwts.KEYS.getPublic(),
                    "k",
                    null))
        .hasMessageContaining("no public key");
    assertThatThrownBy(() -> SandboxApp.pkce("p")).hasMessageContaining("1 to 3");
    assertThatThrownBy(
            () -> SandboxApp.pkce("p", "https://a/1", "https://a/2", "https://a/3", "https://a/4"))
        .hasMessageContaining("1 to 3");
    assertThatThrownBy(() -> SandboxApp.pkce("p", "/relative")).hasMessageContaining("absolute");
  }

  @Test
  void anAppNeverPrintsItsSecret() {
    SandboxApp app = SandboxApp.web("w", "very-secret-value", "https://x.example/cb");

    assertThat(app.toString()).doesNotContain("very-secret-value").contains("clientSecret=***");
  }

  @Test
  void aJwtAppTakesItsKeyAsPemOrDer() {
    String pem = SandboxConfig.demoJwtPublicKeyPem();
    SandboxApp fromPem = SandboxApp.jwt("j", "k", pem);
    SandboxApp fromDer = SandboxApp.jwt("j", "k", fromPem.publicKey().getEncoded());

    assertThat(fromDer).isEqualTo(fromPem);
    assertThat(fromPem.type()).isEqualTo(SandboxApp.JWT);
    assertThat(fromPem.toString()).contains("keyId=k");
    assertThatThrownBy(() -> SandboxApp.jwt("j", "k", "-----BEGIN CERTIFICATE-----\nAAAA"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SandboxApp.jwt("j", "k", new byte[] {1, 2, 3}))
        .hasMessageContaining("RSA public key");
  }

  @Test
  void anAppCanBeBoundToARegion() {
    SandboxApp app = SandboxApp.device("d");

    assertThat(app.region()).isNull();
    assertThat(app.inRegion(SandboxConfig.COZE_CN).region()).isEqualTo("coze.cn");
    assertThat(app.inRegion(SandboxConfig.COZE_CN).inRegion(null)).isEqualTo(app);
  }
}
