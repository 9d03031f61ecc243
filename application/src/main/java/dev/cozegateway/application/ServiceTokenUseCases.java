package dev.cozegateway.application;

import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.port.CozeServiceTokens;
import dev.cozegateway.domain.port.RefreshLeases;
import dev.cozegateway.domain.port.SecretVault;
import dev.cozegateway.domain.port.ServiceTokenStore;
import java.time.Duration;
import java.time.InstantSource;

/** Builds the JWT service apps' use cases with plain constructors. */
public final class ServiceTokenUseCases {
  private final GetServiceToken getServiceToken;

  /**
   * @param leaseTtl how long a replica's lease to mint a key's token lives unless renewed
   */
  public ServiceTokenUseCases(
      AppDirectory apps,
      ServiceTokenStore store,
      RefreshLeases leases,
      SecretVault vault,
      CozeServiceTokens coze,
      InstantSource clock,
      Duration leaseTtl) {
    this.getServiceToken = new GetServiceToken(apps, store, leases, vault, coze, clock, leaseTtl);
  }

  public GetServiceToken getServiceToken() {
    return getServiceToken;
  }
}
