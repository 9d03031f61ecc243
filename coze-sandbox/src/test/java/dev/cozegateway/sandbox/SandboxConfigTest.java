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
            tuple(SandboxConfig.DEMO_PKCE_CLIENT_ID, SandboxApp.PKCE));
    assertThat(List.of(SandboxConfig.DEMO_WEB_CLIENT_ID, SandboxConfig.DEMO_PKCE_CLIENT_ID))
        .allSatisfy(id -> assertThat(id).matches("\\d{32}\\.app\\.coze"));
    assertThat(demo.apps().get(0).clientSecret()).isEqualTo(SandboxConfig.DEMO_WEB_CLIENT_SECRET);
    assertThat(demo.apps())
        .allSatisfy(
            app -> assertThat(app.redirectUris()).isEqualTo(SandboxConfig.DEMO_REDIRECT_URIS));
  }

  @Test
  void demoTakesOtherRedirectUris() {
    SandboxConfig demo = SandboxConfig.demo(0, List.of("https://gw.example/cb"));

    assertThat(demo.apps())
        .allSatisfy(app -> assertThat(app.redirectUris()).containsExactly("https://gw.example/cb"));
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
            .withAsyncRunsAllowed(false);

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
                false));
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
  }

  @Test
  void appsAreValidatedByType() {
    assertThatThrownBy(() -> SandboxApp.web("w", null, "https://x.example/cb"))
        .hasMessageContaining("clientSecret");
    assertThatThrownBy(
            () -> new SandboxApp("p", SandboxApp.PKCE, "secret", List.of("https://x.example/cb")))
        .hasMessageContaining("no client secret");
    assertThatThrownBy(() -> new SandboxApp("d", "device", null, List.of("https://x.example/cb")))
        .hasMessageContaining("unknown app type");
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
}
