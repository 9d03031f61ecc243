package dev.cozegateway.domain.contract;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.CozeRegion;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.testing.FakeCozeOAuth;
import dev.cozegateway.domain.testing.MutableClock;
import java.net.URI;
import java.time.Instant;
import java.util.Set;

class FakeCozeOAuthTest extends CozeOAuthContract {
  private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
  private final FakeCozeOAuth coze = new FakeCozeOAuth(clock);

  @Override
  protected CozeOAuth coze() {
    return coze;
  }

  @Override
  protected App app() {
    return new App(
        new AppId("web"),
        AppType.WEB,
        CozeRegion.COZE_COM,
        "12345678901234567890123456789012.app.coze",
        Secret.of("secret"),
        "env:S",
        URI.create("https://gw.example.com/oauth/callback"),
        Set.of());
  }

  @Override
  protected String approve(URI authorizeUri) {
    return coze.approve(query(authorizeUri).get("code_challenge"));
  }

  @Override
  protected Instant now() {
    return clock.instant();
  }
}
