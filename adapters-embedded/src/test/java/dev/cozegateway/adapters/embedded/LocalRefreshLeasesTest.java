package dev.cozegateway.adapters.embedded;

import dev.cozegateway.domain.contract.RefreshLeasesContract;
import dev.cozegateway.domain.port.RefreshLeases;
import dev.cozegateway.domain.testing.MutableClock;
import java.time.Duration;

/** The lease contract on the embedded store's in-process leases; replicas share one instance. */
class LocalRefreshLeasesTest extends RefreshLeasesContract {
  private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
  private LocalRefreshLeases leases;

  @Override
  protected RefreshLeases leases() {
    leases = new LocalRefreshLeases(clock);
    return leases;
  }

  @Override
  protected RefreshLeases anotherReplica() {
    return leases;
  }

  @Override
  protected void letLeasesExpire(Duration ttl) {
    clock.advance(ttl);
  }
}
