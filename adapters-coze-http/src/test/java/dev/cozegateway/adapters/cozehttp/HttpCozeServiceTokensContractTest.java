package dev.cozegateway.adapters.cozehttp;

import static dev.cozegateway.adapters.cozehttp.TestApps.JWT_CLIENT_ID;
import static dev.cozegateway.adapters.cozehttp.TestApps.KEY_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.CozeRegion;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.contract.CozeServiceTokensContract;
import dev.cozegateway.domain.port.CozeServiceTokens;
import dev.cozegateway.domain.port.CozeServiceTokens.Request;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxApp;
import dev.cozegateway.sandbox.SandboxConfig;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link CozeServiceTokens} contract, held by the HTTP adapter against the Coze sandbox, which
 * verifies the JWT as Coze does: RS256 by {@code kid}, {@code iss}, {@code aud}, {@code iat}/{@code
 * exp}, and a {@code jti} spent once.
 */
class HttpCozeServiceTokensContractTest extends CozeServiceTokensContract {
  private final CozeSandbox sandbox =
      CozeSandbox.start(
          SandboxConfig.defaults()
              .withApps(List.of(SandboxApp.jwt(JWT_CLIENT_ID, KEY_ID, TestKeys.RSA.getPublic()))));
  private final CozeServiceTokens serviceTokens =
      TestApps.injector(CozeHttpConfig.defaults(), OpenTelemetry.noop())
          .getInstance(CozeServiceTokens.class);

  @AfterEach
  void stopSandbox() {
    sandbox.close();
  }

  @Override
  protected CozeServiceTokens coze() {
    return serviceTokens;
  }

  @Override
  protected App app() {
    return TestApps.jwt(sandbox.baseUrl());
  }

  @Override
  protected App unregisteredKeyApp() {
    return TestApps.jwt(
        CozeRegion.custom(sandbox.baseUrl()),
        JWT_CLIENT_ID,
        TestKeys.pkcs8(TestKeys.RSA),
        "kid-registered-nowhere");
  }

  @Override
  protected Instant now() {
    return sandbox.clock().instant();
  }

  @Test
  void theAudienceIsTheOneTheSandboxExpects() {
    assertThat(OAuthEndpoints.apiHost(app())).isEqualTo(sandbox.jwtAudience());
  }

  @Test
  void aPkcs1KeySignsToo() {
    App app =
        TestApps.jwt(
            CozeRegion.custom(sandbox.baseUrl()),
            JWT_CLIENT_ID,
            TestKeys.pkcs1(TestKeys.RSA),
            KEY_ID);

    assertThat(serviceTokens.exchange(app, new Request("", Request.DEFAULT_DURATION, "", "")))
        .isNotNull();
  }

  @Test
  void sessionNameAccountAndDurationReachCoze() {
    serviceTokens.exchange(
        app(), new Request("user_2222", Duration.ofSeconds(1234), "7350000000000000001", ""));

    assertThat(sandbox.jwtTokens())
        .singleElement()
        .satisfies(
            info -> {
              assertThat(info.sessionName()).isEqualTo("user_2222");
              assertThat(info.accountId()).isEqualTo("7350000000000000001");
              assertThat(info.durationSeconds()).isEqualTo(1234);
            });
  }

  @Test
  void aKeyOfTheOtherRegionIsAMisconfiguration() {
    // §5.1: a coze.cn app presented to coze.com.
    try (CozeSandbox comSandbox =
        CozeSandbox.start(
            SandboxConfig.defaults()
                .withRegion(SandboxConfig.COZE_COM)
                .withApps(
                    List.of(
                        SandboxApp.jwt(JWT_CLIENT_ID, KEY_ID, TestKeys.RSA.getPublic())
                            .inRegion(SandboxConfig.COZE_CN))))) {
      App app = TestApps.jwt(comSandbox.baseUrl());

      assertThatThrownBy(
              () -> serviceTokens.exchange(app, new Request("", Request.DEFAULT_DURATION, "", "")))
          .isInstanceOfSatisfying(
              GatewayException.FailedPrecondition.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED);
                assertThat(e.getMessage())
                    .contains(
                        "apps/service-app",
                        app.region().label(),
                        comSandbox.jwtAudience(),
                        "kid not been registred");
              });
    }
  }
}
