package dev.cozegateway.domain.contract;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.CozeRegion;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.CozeServiceTokens;
import dev.cozegateway.domain.testing.FakeCozeServiceTokens;
import dev.cozegateway.domain.testing.MutableClock;
import java.time.Instant;
import java.util.Set;

class FakeCozeServiceTokensTest extends CozeServiceTokensContract {
  private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
  private final FakeCozeServiceTokens coze = new FakeCozeServiceTokens(clock).registerKey(app());

  @Override
  protected CozeServiceTokens coze() {
    return coze;
  }

  @Override
  protected App app() {
    return jwtApp("gdehvaDegW-registered");
  }

  @Override
  protected App unregisteredKeyApp() {
    return jwtApp("kid-of-the-other-region");
  }

  @Override
  protected Instant now() {
    return clock.instant();
  }

  private static App jwtApp(String keyId) {
    return new App(
        new AppId("service"),
        AppType.JWT,
        CozeRegion.COZE_CN,
        "310000000002",
        null,
        "",
        null,
        Set.of(),
        Secret.of("-----BEGIN PRIVATE KEY-----\n(not read by the fake)\n-----END PRIVATE KEY-----"),
        keyId);
  }
}
