package dev.cozegateway.domain.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.RefreshLeases;
import dev.cozegateway.domain.port.RefreshLeases.RefreshLease;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RefreshLeases} guarantees. Extend it once per implementation; {@link #leases()}
 * returns a fresh instance and {@link #anotherReplica()} a second instance that shares its state
 * (as two gateway replicas share a store).
 */
public abstract class RefreshLeasesContract {
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final ConnectionName ALICE = new ConnectionName(new TenantId("acme"), "alice");
  private static final ConnectionName BOB = new ConnectionName(new TenantId("acme"), "bob");

  /** A new instance with empty state. Called once per test, before {@link #anotherReplica()}. */
  protected abstract RefreshLeases leases();

  /** Another instance over the same state as the last {@link #leases()}. */
  protected abstract RefreshLeases anotherReplica();

  /** Makes a lease taken with {@code ttl} expire without its holder releasing it. */
  protected abstract void letLeasesExpire(Duration ttl) throws Exception;

  @Test
  void oneHolderAtATimeAcrossReplicas() {
    RefreshLeases first = leases();
    RefreshLeases second = anotherReplica();

    Optional<RefreshLease> held = first.tryAcquire(ALICE, TTL);

    assertThat(held).isPresent();
    assertThat(held.get().isHeld()).isTrue();
    assertThat(held.get().connection()).isEqualTo(ALICE);
    assertThat(second.tryAcquire(ALICE, TTL)).isEmpty();
    assertThat(first.tryAcquire(ALICE, TTL)).isEmpty();
    held.get().close();
  }

  @Test
  void leasesOfDifferentConnectionsAreIndependent() {
    RefreshLeases replica = leases();
    try (RefreshLease alice = replica.tryAcquire(ALICE, TTL).orElseThrow();
        RefreshLease bob = replica.tryAcquire(BOB, TTL).orElseThrow()) {
      assertThat(alice.isHeld()).isTrue();
      assertThat(bob.isHeld()).isTrue();
    }
  }

  @Test
  void releasingLetsTheNextHolderIn() {
    RefreshLeases first = leases();
    RefreshLeases second = anotherReplica();
    first.tryAcquire(ALICE, TTL).orElseThrow().close();

    Optional<RefreshLease> next = second.tryAcquire(ALICE, TTL);

    assertThat(next).isPresent();
    next.get().close();
  }

  @Test
  void aDeadHoldersLeaseExpiresAndAStaleHolderCannotReleaseItsSuccessor() throws Exception {
    RefreshLeases first = leases();
    RefreshLeases second = anotherReplica();
    Duration shortTtl = Duration.ofSeconds(1);
    RefreshLease stale = first.tryAcquire(ALICE, shortTtl).orElseThrow();

    letLeasesExpire(shortTtl);
    RefreshLease successor = second.tryAcquire(ALICE, TTL).orElseThrow();
    stale.close();

    assertThat(stale.isHeld()).isFalse();
    assertThat(successor.isHeld()).isTrue();
    assertThat(first.tryAcquire(ALICE, TTL)).isEmpty();
    successor.close();
  }

  @Test
  void manyContendersOneWinner() throws Exception {
    RefreshLeases first = leases();
    RefreshLeases second = anotherReplica();
    List<Optional<RefreshLease>> results =
        Race.run(
            16,
            i -> {
              RefreshLeases replica = i % 2 == 0 ? first : second;
              return () -> replica.tryAcquire(ALICE, TTL);
            });

    assertThat(results.stream().filter(Optional::isPresent).count()).isEqualTo(1);
    results.forEach(r -> r.ifPresent(RefreshLease::close));
  }
}
