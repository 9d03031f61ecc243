package dev.cozegateway.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.RefreshIntent;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.testing.InMemoryRefreshLeases;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The write-ahead refresh intent, and what it lets a refresh survive: a store outage between Coze's
 * answer and the write of the new tokens, and a replica that took over while the first one was
 * still storing them.
 */
class RefreshIntentTest {
  private static final Duration PERSIST_TIMEOUT = Duration.ofSeconds(5);

  private final AuthFixture fx = new AuthFixture();

  /** Replica A reaches the shared store through a link that can be cut. */
  private final PartitionableStore linkOfA = new PartitionableStore(fx.connections);

  private final AuthUseCases replicaA = replica(linkOfA, fx.leaseState, PERSIST_TIMEOUT);
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    fx.coze.openRefreshGate();
    pool.shutdownNow();
  }

  private AuthUseCases replica(
      ConnectionStore store, InMemoryRefreshLeases.Shared leaseState, Duration persistTimeout) {
    return new AuthUseCases(
        fx.apps,
        store,
        fx.authorizations,
        fx.vault,
        fx.coze,
        new InMemoryRefreshLeases(leaseState, fx.clock),
        GetAccessToken.DEFAULT_LEASE_TTL,
        persistTimeout,
        fx.clock,
        new SecureRandom());
  }

  private Future<GetAccessToken.AccessToken> getAsync(AuthUseCases replica, ConnectionName name) {
    return pool.submit(() -> get(replica, name));
  }

  private static GetAccessToken.AccessToken get(AuthUseCases replica, ConnectionName name) {
    return replica.getAccessToken().execute(new GetAccessToken.Command(name, null));
  }

  private Connection stored(ConnectionName name) {
    return fx.connections.find(name).orElseThrow();
  }

  private TokenSet tokensOf(ConnectionName name) {
    return SecretCodec.decodeTokens(
        fx.vault.open(stored(name).tokens(), Connection.tokenContext(name)));
  }

  private static void await(String what, BooleanSupplier condition) {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > giveUp) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.onSpinWait();
    }
  }

  @Test
  void theIntentIsWrittenBeforeCozeIsCalledAndClearedWithTheNewTokens() throws Exception {
    ConnectionName alice = fx.connect("alice");
    Connection before = stored(alice);
    fx.clock.advance(Duration.ofMinutes(20));
    fx.coze.holdRefreshes();

    Future<GetAccessToken.AccessToken> call = getAsync(replicaA, alice);
    await("the refresh to reach Coze", () -> fx.coze.refreshCalls() == 1);

    Connection during = stored(alice);
    assertThat(during.refreshIntent()).isNotNull();
    assertThat(during.refreshIntent().owner()).startsWith("pid " + ProcessHandle.current().pid());
    assertThat(during.refreshIntent().startTime()).isEqualTo(fx.clock.instant());
    assertThat(during.version()).isEqualTo(before.version() + 1);
    assertThat(during.tokens()).isEqualTo(before.tokens());

    fx.coze.openRefreshGate();
    GetAccessToken.AccessToken token = call.get(10, TimeUnit.SECONDS);

    Connection after = stored(alice);
    assertThat(after.refreshIntent()).isNull();
    assertThat(after.version()).isEqualTo(before.version() + 2);
    assertThat(token.token()).isEqualTo(tokensOf(alice).accessToken());
  }

  @Test
  void aStoreOutageAfterCozeGrantedIsRiddenOutAndTheTokensAreKept() throws Exception {
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(Duration.ofMinutes(20));
    fx.coze.holdRefreshes();
    Future<GetAccessToken.AccessToken> call = getAsync(replicaA, alice);
    await("the refresh to reach Coze", () -> fx.coze.refreshCalls() == 1);

    // The store goes away while Coze rotates the token.
    linkOfA.cut();
    fx.coze.openRefreshGate();
    await("A to fail to store the new tokens twice", () -> linkOfA.refusedCalls() >= 2);
    assertThat(call).isNotDone();
    linkOfA.heal();

    GetAccessToken.AccessToken token = call.get(10, TimeUnit.SECONDS);
    assertThat(token.token()).isEqualTo(tokensOf(alice).accessToken());
    assertThat(fx.coze.isLive(tokensOf(alice).refreshToken().reveal()))
        .as("the stored refresh token is the one Coze issued last")
        .isTrue();
    assertThat(stored(alice).state()).isEqualTo(ConnectionState.ACTIVE);
    assertThat(fx.coze.successfulRefreshes()).isEqualTo(1);
  }

  @Test
  void anOutageLongerThanThePersistTimeoutFailsUnavailable() throws Exception {
    AuthUseCases impatient = replica(linkOfA, fx.leaseState, Duration.ofSeconds(1));
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(Duration.ofMinutes(20));
    fx.coze.holdRefreshes();
    Future<GetAccessToken.AccessToken> call = getAsync(impatient, alice);
    await("the refresh to reach Coze", () -> fx.coze.refreshCalls() == 1);
    linkOfA.cut();
    long started = System.nanoTime();
    fx.coze.openRefreshGate();

    assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(
            GatewayException.Unavailable.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.STORE_UNAVAILABLE));
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(900));
  }

  @Test
  void aReplicaThatTookOverWaitsForTheFirstHoldersTokensInsteadOfGivingTheConnectionUp()
      throws Exception {
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(Duration.ofMinutes(20));
    fx.coze.holdRefreshes();
    Future<GetAccessToken.AccessToken> onA = getAsync(replicaA, alice);
    await("A's refresh to reach Coze", () -> fx.coze.refreshCalls() == 1);
    String intentOfA = stored(alice).refreshIntent().owner();

    // A is cut off from the store while Coze rotates the token: it keeps the new pair and retries.
    linkOfA.cut();
    fx.coze.openRefreshGate();
    await("A to fail to store the new tokens", () -> linkOfA.refusedCalls() >= 1);

    // Meanwhile A's lease is lost (a store failover that lost it), so replica B takes the lease
    // and finds A's intent: A may have redeemed the token, so B waits for A's result rather than
    // send the token to Coze a second time.
    AuthUseCases replicaB =
        replica(fx.connections, new InMemoryRefreshLeases.Shared(), PERSIST_TIMEOUT);
    Future<GetAccessToken.AccessToken> onB = getAsync(replicaB, alice);
    Thread.sleep(300);
    assertThat(onB).as("B waits for A's result").isNotDone();
    assertThat(fx.coze.refreshCalls()).as("B has not sent the token again").isEqualTo(1);
    assertThat(stored(alice).refreshIntent().owner()).isEqualTo(intentOfA);
    assertThat(stored(alice).state()).isEqualTo(ConnectionState.ACTIVE);

    // A's link comes back and it stores its pair; B returns it.
    linkOfA.heal();

    GetAccessToken.AccessToken tokenOfA = onA.get(10, TimeUnit.SECONDS);
    GetAccessToken.AccessToken tokenOfB = onB.get(10, TimeUnit.SECONDS);
    assertThat(tokenOfB.token()).isEqualTo(tokenOfA.token());
    assertThat(tokensOf(alice).accessToken()).isEqualTo(tokenOfA.token());
    assertThat(stored(alice).state()).isEqualTo(ConnectionState.ACTIVE);
    assertThat(stored(alice).refreshIntent()).isNull();
    assertThat(fx.coze.isLive(tokensOf(alice).refreshToken().reveal())).isTrue();
    assertThat(fx.coze.successfulRefreshes()).isEqualTo(1);
    assertThat(fx.coze.refreshCalls()).isEqualTo(1);
  }

  @Test
  void aHolderThatFindsTheConnectionGivenUpForTheTokenItRedeemedRestoresIt() throws Exception {
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(Duration.ofMinutes(20));
    fx.coze.holdRefreshes();
    Future<GetAccessToken.AccessToken> onA = getAsync(replicaA, alice);
    await("A's refresh to reach Coze", () -> fx.coze.refreshCalls() == 1);
    linkOfA.cut();
    fx.coze.openRefreshGate();
    await("A to fail to store the new tokens", () -> linkOfA.refusedCalls() >= 1);

    // Another replica, whose wait for A ran out, gave the connection up for the token A redeemed.
    Connection current = stored(alice);
    fx.connections.replaceIfVersion(
        current.withState(ConnectionState.NEEDS_REAUTHORIZATION, fx.clock.instant()),
        current.version());
    linkOfA.heal();

    GetAccessToken.AccessToken token = onA.get(10, TimeUnit.SECONDS);
    assertThat(stored(alice).state()).isEqualTo(ConnectionState.ACTIVE);
    assertThat(tokensOf(alice).accessToken()).isEqualTo(token.token());
  }

  @Test
  void anInterruptedRefreshThatNeverReachedCozeIsRedoneOnceItsOwnersPersistTimeoutPassed() {
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(Duration.ofMinutes(20));
    leaveIntentOfADeadReplica(alice, almostOverAge());
    long started = System.nanoTime();

    GetAccessToken.AccessToken token = get(fx.useCases, alice);

    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(250));

    assertThat(token.token()).isEqualTo(tokensOf(alice).accessToken());
    assertThat(stored(alice).refreshIntent()).isNull();
    assertThat(stored(alice).state()).isEqualTo(ConnectionState.ACTIVE);
    assertThat(fx.coze.successfulRefreshes()).isEqualTo(1);
  }

  @Test
  void whenTheDeadReplicaHadRedeemedTheTokenTheConnectionIsGivenUpOnceItsPersistTimeoutPassed() {
    ConnectionName alice = fx.connect("alice");
    fx.clock.advance(Duration.ofMinutes(20));
    leaveIntentOfADeadReplica(alice, almostOverAge());
    fx.coze.revokeAllRefreshTokens(); // it had redeemed the token; its answer died with it
    long started = System.nanoTime();

    assertThatThrownBy(() -> get(fx.useCases, alice))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.NEEDS_REAUTHORIZATION);
              assertThat(e.metadata())
                  .containsEntry(GatewayException.COZE_ERROR_CODE, "invalid_grant");
            });
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(250));
    assertThat(stored(alice).state()).isEqualTo(ConnectionState.NEEDS_REAUTHORIZATION);
    assertThat(stored(alice).refreshIntent()).isNull();
  }

  /**
   * An intent age that leaves 300 ms of its owner's persist timeout (plus the clock skew
   * allowance), for which the next holder waits before sending the token itself.
   */
  private static Duration almostOverAge() {
    return GetAccessToken.DEFAULT_PERSIST_TIMEOUT
        .plus(GetAccessToken.CLOCK_SKEW)
        .minus(Duration.ofMillis(300));
  }

  /** A replica wrote its intent {@code age} ago and died. */
  private void leaveIntentOfADeadReplica(ConnectionName name, Duration age) {
    Connection current = stored(name);
    assertThat(
            fx.connections.replaceIfVersion(
                current.withRefreshIntent(
                    new RefreshIntent("pid 1 #dead", fx.clock.instant().minus(age))),
                current.version()))
        .isTrue();
  }

  /** One replica's link to the shared store, which the test can cut and heal. Thread-safe. */
  private static final class PartitionableStore implements ConnectionStore {
    private final ConnectionStore shared;
    private volatile boolean cut;
    private final java.util.concurrent.atomic.AtomicInteger refused =
        new java.util.concurrent.atomic.AtomicInteger();

    PartitionableStore(ConnectionStore shared) {
      this.shared = shared;
    }

    void cut() {
      cut = true;
    }

    void heal() {
      cut = false;
    }

    int refusedCalls() {
      return refused.get();
    }

    private void check() {
      if (cut) {
        refused.incrementAndGet();
        throw new GatewayException.Unavailable(
            Reason.STORE_UNAVAILABLE, "the store is unreachable", Map.of(), null);
      }
    }

    @Override
    public Optional<Connection> find(ConnectionName name) {
      check();
      return shared.find(name);
    }

    @Override
    public void put(Connection connection) {
      check();
      shared.put(connection);
    }

    @Override
    public boolean replaceIfVersion(Connection updated, long expectedVersion) {
      check();
      return shared.replaceIfVersion(updated, expectedVersion);
    }

    @Override
    public boolean delete(ConnectionName name) {
      check();
      return shared.delete(name);
    }

    @Override
    public List<Connection> list(TenantId tenant, String afterConnectionId, int limit) {
      check();
      return shared.list(tenant, afterConnectionId, limit);
    }

    @Override
    public void forEachConnection(Consumer<Connection> visitor) {
      check();
      shared.forEachConnection(visitor);
    }
  }
}
