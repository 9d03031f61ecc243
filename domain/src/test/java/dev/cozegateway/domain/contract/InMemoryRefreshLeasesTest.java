package dev.cozegateway.domain.contract;

import dev.cozegateway.domain.port.RefreshLeases;
import dev.cozegateway.domain.testing.InMemoryRefreshLeases;
import dev.cozegateway.domain.testing.MutableClock;
import java.time.Duration;

class InMemoryRefreshLeasesTest extends RefreshLeasesContract {
  private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
  private InMemoryRefreshLeases.Shared shared;

  @Override
  protected RefreshLeases leases() {
    shared = new InMemoryRefreshLeases.Shared();
    return new InMemoryRefreshLeases(shared, clock);
  }

  @Override
  protected RefreshLeases anotherReplica() {
    return new InMemoryRefreshLeases(shared, clock);
  }

  @Override
  protected void letLeasesExpire(Duration ttl) {
    clock.advance(ttl);
  }
}
