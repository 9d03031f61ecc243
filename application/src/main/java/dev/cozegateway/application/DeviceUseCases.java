package dev.cozegateway.application;

import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.CozeDeviceFlow;
import dev.cozegateway.domain.port.SecretVault;
import java.security.SecureRandom;
import java.time.InstantSource;

/**
 * Builds the device flow's use cases, and the two that serve every authorization (cancel and
 * watch), with plain constructors.
 */
public final class DeviceUseCases {
  private final StartDeviceAuthorization startDeviceAuthorization;
  private final DevicePollSweep pollSweep;
  private final CancelAuthorization cancelAuthorization;
  private final WatchAuthorization watchAuthorization;

  public DeviceUseCases(
      AuthUseCases auth,
      AppDirectory apps,
      AuthorizationStore authorizations,
      ConnectionStore connections,
      SecretVault vault,
      CozeDeviceFlow coze,
      InstantSource clock,
      SecureRandom random) {
    this.startDeviceAuthorization =
        new StartDeviceAuthorization(apps, authorizations, vault, coze, clock, new Codes(random));
    this.pollSweep =
        new DevicePollSweep(
            apps, authorizations, vault, coze, new ConnectionGrants(connections, vault), clock);
    this.cancelAuthorization = new CancelAuthorization(authorizations);
    this.watchAuthorization = new WatchAuthorization(auth.getAuthorization());
  }

  public StartDeviceAuthorization startDeviceAuthorization() {
    return startDeviceAuthorization;
  }

  public DevicePollSweep pollSweep() {
    return pollSweep;
  }

  public CancelAuthorization cancelAuthorization() {
    return cancelAuthorization;
  }

  public WatchAuthorization watchAuthorization() {
    return watchAuthorization;
  }
}
