package dev.cozegateway.adapters.cozehttp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.contract.CozeDeviceFlowContract;
import dev.cozegateway.domain.port.CozeDeviceFlow;
import dev.cozegateway.domain.port.CozeDeviceFlow.DeviceCode;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.DeviceCodeInfo;
import dev.cozegateway.sandbox.SandboxApp;
import dev.cozegateway.sandbox.SandboxConfig;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The {@link CozeDeviceFlow} contract, held by the HTTP adapter against the Coze sandbox. */
class HttpCozeDeviceFlowContractTest extends CozeDeviceFlowContract {
  private final CozeSandbox sandbox =
      CozeSandbox.start(
          SandboxConfig.defaults().withApps(List.of(SandboxApp.device(TestApps.DEVICE_CLIENT_ID))));
  private final CozeDeviceFlow deviceFlow =
      TestApps.injector(CozeHttpConfig.defaults(), OpenTelemetry.noop())
          .getInstance(CozeDeviceFlow.class);

  @AfterEach
  void stopSandbox() {
    sandbox.close();
  }

  @Override
  protected CozeDeviceFlow coze() {
    return deviceFlow;
  }

  @Override
  protected App app() {
    return TestApps.device(sandbox.baseUrl());
  }

  @Override
  protected void approve(String userCode) {
    sandbox.approveDevice(userCode);
  }

  @Override
  protected void deny(String userCode) {
    sandbox.denyDevice(userCode);
  }

  @Override
  protected void advance(Duration duration) {
    sandbox.clock().advance(duration);
  }

  @Override
  protected Instant now() {
    return sandbox.clock().instant();
  }

  @Test
  void theWorkspaceReachesCoze() {
    DeviceCode code = deviceFlow.requestDeviceCode(app(), "7350000000000000001");

    assertThat(sandbox.deviceCodes())
        .singleElement()
        .satisfies(
            info -> {
              assertThat(info.userCode()).isEqualTo(code.userCode());
              assertThat(info.workspaceId()).isEqualTo("7350000000000000001");
              assertThat(info.state()).isEqualTo(DeviceCodeInfo.PENDING);
            });
  }
}
