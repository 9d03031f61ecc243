package dev.cozegateway.domain.contract;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.CozeRegion;
import dev.cozegateway.domain.port.CozeDeviceFlow;
import dev.cozegateway.domain.testing.FakeCozeDeviceFlow;
import dev.cozegateway.domain.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

class FakeCozeDeviceFlowTest extends CozeDeviceFlowContract {
  private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
  private final FakeCozeDeviceFlow coze = new FakeCozeDeviceFlow(clock);

  @Override
  protected CozeDeviceFlow coze() {
    return coze;
  }

  @Override
  protected App app() {
    return new App(
        new AppId("tv"),
        AppType.DEVICE,
        CozeRegion.COZE_CN,
        "12345678901234567890123456789013.app.coze",
        null,
        "",
        null,
        Set.of());
  }

  @Override
  protected void approve(String userCode) {
    coze.approve(userCode);
  }

  @Override
  protected void deny(String userCode) {
    coze.deny(userCode);
  }

  @Override
  protected void advance(Duration duration) {
    clock.advance(duration);
  }

  @Override
  protected Instant now() {
    return clock.instant();
  }
}
