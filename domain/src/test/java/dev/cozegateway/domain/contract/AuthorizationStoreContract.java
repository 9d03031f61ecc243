package dev.cozegateway.domain.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationError;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.DeviceGrant;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.AuthorizationStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link AuthorizationStore} guarantees. Extend it once per implementation and return a
 * fresh, empty store from {@link #store()}.
 */
public abstract class AuthorizationStoreContract {
  private static final Instant T0 = Instant.parse("2025-03-01T10:15:30.123456789Z");
  private static final int CONSUMERS = 20;
  private static final int CLAIMERS = 16;

  private AuthorizationStore authorizations;

  /** A new, empty store for one test. Called once before each test. */
  protected abstract AuthorizationStore store();

  @BeforeEach
  final void createStore() {
    authorizations = store();
  }

  @Test
  void findsNothingInAnEmptyStore() {
    assertThat(authorizations.find(name("acme", "a1"))).isEmpty();
    assertThat(authorizations.findByRequestId(tenant("acme"), "req-1")).isEmpty();
    assertThat(authorizations.consumeState(stateHash("unknown"))).isEmpty();
  }

  @Test
  void createStoresAPendingAuthorization() {
    Authorization pending = authorization("acme", "a1", "state-1", "");

    assertThat(authorizations.create(pending)).isEmpty();

    assertThat(authorizations.find(pending.name())).contains(pending);
  }

  @Test
  void roundTripsEveryField() {
    Authorization full =
        new Authorization(
            name("acme", "a1"),
            new AppId("web-app"),
            new ConnectionName(tenant("acme"), "c1"),
            "user-42 ☃",
            AuthorizationState.FAILED,
            T0,
            T0.plus(Duration.ofMinutes(10)).plusNanos(7),
            URI.create("https://app.example.com/done?x=1#frag"),
            new AuthorizationError("CODE_EXCHANGE_FAILED", "Coze said no ✗", "log-123"),
            everyByteValue(),
            SealedSecret.of(everyByteValue()),
            "req-1");

    authorizations.create(full);

    Authorization found = authorizations.find(full.name()).orElseThrow();
    assertThat(found).isEqualTo(full);
    assertThat(found.stateHash()).isEqualTo(everyByteValue());
    assertThat(found.secrets().bytes()).isEqualTo(everyByteValue());
    assertThat(found.error()).isEqualTo(full.error());
    assertThat(found.returnUri()).isEqualTo(full.returnUri());
  }

  @Test
  void roundTripsAbsentOptionalFields() {
    Authorization minimal = authorization("acme", "a1", "state-1", "");
    assertThat(minimal.returnUri()).isNull();
    assertThat(minimal.error()).isNull();

    authorizations.create(minimal);

    Authorization found = authorizations.find(minimal.name()).orElseThrow();
    assertThat(found).isEqualTo(minimal);
    assertThat(found.returnUri()).isNull();
    assertThat(found.error()).isNull();
    assertThat(found.requestId()).isEmpty();
  }

  @Test
  void findsByRequestIdWithinTheTenant() {
    Authorization created = authorization("acme", "a1", "state-1", "req-1");
    authorizations.create(created);

    assertThat(authorizations.findByRequestId(tenant("acme"), "req-1")).contains(created);
    assertThat(authorizations.findByRequestId(tenant("acme"), "req-2")).isEmpty();
    assertThat(authorizations.findByRequestId(tenant("globex"), "req-1")).isEmpty();
  }

  @Test
  void aSecondCreateWithTheSameRequestIdReturnsTheFirstAndWritesNothing() {
    Authorization first = authorization("acme", "a1", "state-1", "req-1");
    Authorization retry = authorization("acme", "a2", "state-2", "req-1");
    authorizations.create(first);

    assertThat(authorizations.create(retry)).contains(first);

    assertThat(authorizations.find(retry.name())).isEmpty();
    assertThat(authorizations.consumeState(stateHash("state-2"))).isEmpty();
    assertThat(authorizations.findByRequestId(tenant("acme"), "req-1")).contains(first);
    assertThat(authorizations.consumeState(stateHash("state-1"))).contains(first);
  }

  @Test
  void theSameRequestIdInAnotherTenantIsIndependent() {
    Authorization ofAcme = authorization("acme", "a1", "state-1", "req-1");
    Authorization ofGlobex = authorization("globex", "a1", "state-2", "req-1");

    assertThat(authorizations.create(ofAcme)).isEmpty();
    assertThat(authorizations.create(ofGlobex)).isEmpty();

    assertThat(authorizations.findByRequestId(tenant("acme"), "req-1")).contains(ofAcme);
    assertThat(authorizations.findByRequestId(tenant("globex"), "req-1")).contains(ofGlobex);
  }

  @Test
  void anEmptyRequestIdIsNeverIndexed() {
    Authorization first = authorization("acme", "a1", "state-1", "");
    Authorization second = authorization("acme", "a2", "state-2", "");

    assertThat(authorizations.create(first)).isEmpty();
    assertThat(authorizations.create(second)).isEmpty();

    assertThat(authorizations.find(first.name())).contains(first);
    assertThat(authorizations.find(second.name())).contains(second);
    assertThat(authorizations.findByRequestId(tenant("acme"), "")).isEmpty();
  }

  @Test
  void updateReplacesTheStoredAuthorization() {
    Authorization pending = authorization("acme", "a1", "state-1", "req-1");
    authorizations.create(pending);
    Authorization denied =
        pending.finished(
            AuthorizationState.DENIED,
            new AuthorizationError("access_denied", "the user said no", ""));

    authorizations.update(denied);

    assertThat(authorizations.find(pending.name())).contains(denied);
    assertThat(authorizations.findByRequestId(tenant("acme"), "req-1")).contains(denied);
  }

  @Test
  void consumeStateReturnsTheAuthorizationOnce() {
    Authorization pending = authorization("acme", "a1", "state-1", "");
    authorizations.create(pending);

    assertThat(authorizations.consumeState(stateHash("state-1"))).contains(pending);
    assertThat(authorizations.consumeState(stateHash("state-1"))).isEmpty();
    // Only the index entry is consumed: the authorization itself stays readable.
    assertThat(authorizations.find(pending.name())).contains(pending);
  }

  @Test
  void consumeStateReturnsTheLatestStoredAuthorization() {
    Authorization pending = authorization("acme", "a1", "state-1", "");
    authorizations.create(pending);
    Authorization expired = pending.finished(AuthorizationState.EXPIRED, null);
    authorizations.update(expired);

    assertThat(authorizations.consumeState(stateHash("state-1"))).contains(expired);
  }

  @Test
  void consumeStateTouchesOnlyTheGivenState() {
    Authorization first = authorization("acme", "a1", "state-1", "");
    Authorization second = authorization("acme", "a2", "state-2", "");
    authorizations.create(first);
    authorizations.create(second);

    assertThat(authorizations.consumeState(stateHash("state-1"))).contains(first);

    assertThat(authorizations.consumeState(stateHash("state-2"))).contains(second);
  }

  @Test
  void consumeStateMatchesTheHashByValue() {
    Authorization pending = authorization("acme", "a1", "state-1", "");
    authorizations.create(pending);

    byte[] copy = stateHash("state-1").clone();
    assertThat(authorizations.consumeState(copy)).contains(pending);
  }

  @Test
  void consumeStateOfAnUnknownStateIsEmpty() {
    authorizations.create(authorization("acme", "a1", "state-1", ""));

    assertThat(authorizations.consumeState(stateHash("state-2"))).isEmpty();
    assertThat(authorizations.consumeState(new byte[0])).isEmpty();
  }

  @Test
  void exactlyOneOfManyConcurrentConsumersGetsTheState() throws Exception {
    Authorization pending = authorization("acme", "a1", "state-1", "");
    authorizations.create(pending);

    List<Optional<Authorization>> got =
        Race.run(CONSUMERS, i -> () -> authorizations.consumeState(stateHash("state-1")));

    assertThat(got.stream().filter(Optional::isPresent).toList())
        .containsExactly(Optional.of(pending));
  }

  @Test
  void concurrentCreatesWithTheSameRequestIdStoreExactlyOne() throws Exception {
    int racers = 8;
    List<Authorization> attempts = new ArrayList<>();
    for (int i = 0; i < racers; i++) {
      attempts.add(authorization("acme", "a" + i, "state-" + i, "req-1"));
    }

    List<Optional<Authorization>> results =
        Race.run(racers, i -> () -> authorizations.create(attempts.get(i)));

    assertThat(results).filteredOn(Optional::isEmpty).hasSize(1);
    Authorization winner = attempts.get(results.indexOf(Optional.empty()));
    assertThat(results).filteredOn(Optional::isPresent).containsOnly(Optional.of(winner));
    assertThat(authorizations.findByRequestId(tenant("acme"), "req-1")).contains(winner);
    for (Authorization attempt : attempts) {
      Optional<Authorization> stored = authorizations.find(attempt.name());
      assertThat(stored).isEqualTo(attempt == winner ? Optional.of(winner) : Optional.empty());
    }
  }

  // --- device authorizations: versions, compare-and-set, due polls ---

  @Test
  void roundTripsADeviceAuthorizationWithEveryGrantField() {
    DeviceGrant grant =
        new DeviceGrant(
            "WDJB-MJHT ☃",
            URI.create("https://www.coze.cn/device"),
            URI.create("https://www.coze.cn/device?user_code=WDJB-MJHT&x=%20y#frag"),
            Duration.ofSeconds(5).plusNanos(123_456_789),
            T0.plusSeconds(5).plusNanos(1),
            "workspace-7",
            41);
    Authorization full =
        new Authorization(
            name("acme", "d1"),
            new AppId("tv-app"),
            new ConnectionName(tenant("acme"), "c1"),
            "user-42",
            AuthorizationState.PENDING,
            T0,
            T0.plus(Duration.ofMinutes(15)),
            null,
            null,
            stateHash("device-state"),
            SealedSecret.of(everyByteValue()),
            "req-1",
            grant,
            Long.MAX_VALUE - 1);

    authorizations.create(full);

    Authorization found = authorizations.find(full.name()).orElseThrow();
    assertThat(found).isEqualTo(full);
    assertThat(found.isDevice()).isTrue();
    DeviceGrant stored = found.device();
    assertThat(stored.userCode()).isEqualTo(grant.userCode());
    assertThat(stored.verificationUri()).isEqualTo(grant.verificationUri());
    assertThat(stored.verificationUriComplete()).isEqualTo(grant.verificationUriComplete());
    assertThat(stored.interval()).isEqualTo(grant.interval());
    assertThat(stored.nextPollTime()).isEqualTo(grant.nextPollTime());
    assertThat(stored.workspaceId()).isEqualTo(grant.workspaceId());
    assertThat(stored.polls()).isEqualTo(grant.polls());
    assertThat(found.version()).isEqualTo(Long.MAX_VALUE - 1);
    assertThat(authorizations.findByRequestId(tenant("acme"), "req-1")).contains(full);
  }

  @Test
  void roundTripsTheVersionThroughEveryWrite() {
    Authorization created = withVersion(device("acme", "d1", T0), 5);
    authorizations.create(created);
    assertThat(authorizations.find(created.name()).orElseThrow().version()).isEqualTo(5);

    Authorization updated = withVersion(created, 9);
    authorizations.update(updated);
    assertThat(authorizations.find(created.name()).orElseThrow().version()).isEqualTo(9);

    assertThat(authorizations.replaceIfVersion(withVersion(created, 3), 9)).isTrue();
    assertThat(authorizations.find(created.name()).orElseThrow().version()).isEqualTo(3);
  }

  @Test
  void aBrowserAuthorizationHasNoDeviceAndVersionZero() {
    Authorization browser = authorization("acme", "a1", "state-1", "");

    authorizations.create(browser);

    Authorization found = authorizations.find(browser.name()).orElseThrow();
    assertThat(found.device()).isNull();
    assertThat(found.isDevice()).isFalse();
    assertThat(found.version()).isZero();
  }

  @Test
  void replaceIfVersionWritesWhenTheStoredVersionMatches() {
    Authorization pending = device("acme", "d1", T0, "req-1");
    authorizations.create(pending);
    Authorization claimed = pending.withDevice(pending.device().claimedUntil(T0.plusSeconds(30)));

    assertThat(authorizations.replaceIfVersion(claimed, pending.version())).isTrue();

    assertThat(authorizations.find(pending.name())).contains(claimed);
    assertThat(authorizations.findByRequestId(tenant("acme"), "req-1")).contains(claimed);
    assertThat(authorizations.consumeState(pending.stateHash())).contains(claimed);
  }

  @Test
  void replaceIfVersionRefusesAStaleVersionAndWritesNothing() {
    Authorization pending = device("acme", "d1", T0);
    authorizations.create(pending);
    Authorization claimed = pending.withDevice(pending.device().claimedUntil(T0.plusSeconds(30)));
    assertThat(authorizations.replaceIfVersion(claimed, 0)).isTrue();
    Authorization staleCancel = pending.finished(AuthorizationState.CANCELLED, null);

    assertThat(authorizations.replaceIfVersion(staleCancel, 0)).isFalse();
    assertThat(authorizations.replaceIfVersion(staleCancel, 2)).isFalse();
    assertThat(authorizations.replaceIfVersion(staleCancel, -1)).isFalse();

    assertThat(authorizations.find(pending.name())).contains(claimed);
    assertThat(authorizations.findDuePolls(T0.plusSeconds(30), 10)).containsExactly(claimed);
  }

  @Test
  void replaceIfVersionOfAMissingAuthorizationWritesNothing() {
    Authorization never = device("acme", "d1", T0, "req-1");

    assertThat(authorizations.replaceIfVersion(never, 0)).isFalse();
    assertThat(authorizations.replaceIfVersion(withVersion(never, 1), 0)).isFalse();

    assertThat(authorizations.find(never.name())).isEmpty();
    assertThat(authorizations.findByRequestId(tenant("acme"), "req-1")).isEmpty();
    assertThat(authorizations.consumeState(never.stateHash())).isEmpty();
    assertThat(authorizations.findDuePolls(T0, 10)).isEmpty();
  }

  @Test
  void replaceIfVersionStoresTheVersionTheUpdateCarries() {
    Authorization pending = device("acme", "d1", T0);
    authorizations.create(pending);

    // The store compares and writes; it never increments.
    assertThat(authorizations.replaceIfVersion(withVersion(pending, 7), 0)).isTrue();
    assertThat(authorizations.find(pending.name()).orElseThrow().version()).isEqualTo(7);

    assertThat(authorizations.replaceIfVersion(withVersion(pending, 8), 1)).isFalse();
    assertThat(authorizations.replaceIfVersion(withVersion(pending, 7), 7)).isTrue();
    assertThat(authorizations.find(pending.name())).contains(withVersion(pending, 7));
  }

  @Test
  void replaceIfVersionAfterAnUpdateComparesWithTheUpdatedVersion() {
    Authorization pending = device("acme", "d1", T0);
    authorizations.create(pending);
    Authorization cancelled = pending.finished(AuthorizationState.CANCELLED, null);
    authorizations.update(cancelled);
    Authorization lateClaim = pending.withDevice(pending.device().polledUntil(T0.plusSeconds(5)));

    assertThat(authorizations.replaceIfVersion(lateClaim, pending.version())).isFalse();

    assertThat(authorizations.find(pending.name())).contains(cancelled);
  }

  @Test
  void findDuePollsOfAnEmptyStoreIsEmpty() {
    assertThat(authorizations.findDuePolls(T0, 10)).isEmpty();
  }

  @Test
  void findDuePollsReturnsPendingDeviceAuthorizationsDueAtOrBeforeNow() {
    Authorization early = device("acme", "d1", T0.minusSeconds(1));
    Authorization exactlyNow = device("acme", "d2", T0);
    Authorization aNanoLater = device("acme", "d3", T0.plusNanos(1));
    Authorization later = device("acme", "d4", T0.plusSeconds(60));
    Authorization browser = authorization("acme", "a1", "state-1", "");
    for (Authorization a : List.of(later, aNanoLater, exactlyNow, early, browser)) {
      authorizations.create(a);
    }

    assertThat(authorizations.findDuePolls(T0, 10)).containsExactly(early, exactlyNow);
    assertThat(authorizations.findDuePolls(T0.plusSeconds(60), 10))
        .containsExactly(early, exactlyNow, aNanoLater, later);
    assertThat(authorizations.findDuePolls(T0.minusSeconds(2), 10)).isEmpty();
  }

  @Test
  void findDuePollsIsSoonestFirstThenByNameAcrossTenants() {
    Authorization globexZ = device("globex", "z", T0.minusSeconds(3));
    Authorization globexA = device("globex", "a", T0.minusSeconds(2));
    Authorization acmeB = device("acme", "b", T0.minusSeconds(2));
    Authorization acmeA = device("acme", "a", T0.minusSeconds(2));
    Authorization acmeA1 = device("acme", "a1", T0.minusSeconds(2));
    Authorization initechA = device("initech", "a", T0.minusSeconds(1));
    for (Authorization a : List.of(initechA, acmeB, globexA, acmeA1, globexZ, acmeA)) {
      authorizations.create(a);
    }

    assertThat(authorizations.findDuePolls(T0, 10))
        .containsExactly(globexZ, acmeA, acmeA1, acmeB, globexA, initechA);
  }

  @Test
  void findDuePollsReturnsAtMostTheLimitSoonestFirst() {
    for (int i = 0; i < 5; i++) {
      authorizations.create(device(i % 2 == 0 ? "acme" : "globex", "d" + i, T0.minusSeconds(i)));
    }

    List<Authorization> due = authorizations.findDuePolls(T0, 3);

    assertThat(due)
        .extracting(a -> a.name().name())
        .containsExactly(
            "tenants/acme/authorizations/d4",
            "tenants/globex/authorizations/d3",
            "tenants/acme/authorizations/d2");
    assertThat(authorizations.findDuePolls(T0, 1)).hasSize(1);
    assertThat(authorizations.findDuePolls(T0, 5)).hasSize(5);
    assertThat(authorizations.findDuePolls(T0, 6)).hasSize(5);
  }

  @Test
  void findDuePollsReturnsNoneForALimitThatIsNotPositive() {
    authorizations.create(device("acme", "d1", T0.minusSeconds(1)));

    assertThat(authorizations.findDuePolls(T0, 0)).isEmpty();
    assertThat(authorizations.findDuePolls(T0, -1)).isEmpty();
    assertThat(authorizations.findDuePolls(T0, Integer.MIN_VALUE)).isEmpty();
  }

  @Test
  void anAuthorizationFinishedByUpdateLeavesTheDuePolls() {
    Authorization completed = device("acme", "d1", T0);
    Authorization denied = device("acme", "d2", T0);
    Authorization stillPending = device("acme", "d3", T0);
    for (Authorization a : List.of(completed, denied, stillPending)) {
      authorizations.create(a);
    }

    authorizations.update(completed.finished(AuthorizationState.COMPLETED, null));
    authorizations.update(
        denied.finished(
            AuthorizationState.DENIED, new AuthorizationError("access_denied", "no", "")));

    assertThat(authorizations.findDuePolls(T0, 10)).containsExactly(stillPending);
  }

  @Test
  void anAuthorizationFinishedByReplaceIfVersionLeavesTheDuePolls() {
    Authorization cancelled = device("acme", "d1", T0);
    Authorization expired = device("globex", "d2", T0);
    Authorization failed = device("acme", "d3", T0);
    for (Authorization a : List.of(cancelled, expired, failed)) {
      authorizations.create(a);
    }

    assertThat(
            authorizations.replaceIfVersion(
                cancelled.finished(AuthorizationState.CANCELLED, null), 0))
        .isTrue();
    assertThat(
            authorizations.replaceIfVersion(expired.finished(AuthorizationState.EXPIRED, null), 0))
        .isTrue();

    assertThat(authorizations.findDuePolls(T0, 10)).containsExactly(failed);
    assertThat(
            authorizations.replaceIfVersion(
                failed.finished(
                    AuthorizationState.FAILED, new AuthorizationError("COZE_FAILED", "x", "")),
                0))
        .isTrue();
    assertThat(authorizations.findDuePolls(T0.plus(Duration.ofDays(365)), 10)).isEmpty();
  }

  @Test
  void aDueAuthorizationMovesWhenItsNextPollTimeDoes() {
    Authorization first = device("acme", "d1", T0.minusSeconds(2));
    Authorization second = device("acme", "d2", T0.minusSeconds(1));
    authorizations.create(first);
    authorizations.create(second);

    // A replica claims the first poll by moving it 5 s on.
    Authorization claimed = first.withDevice(first.device().claimedUntil(T0.plusSeconds(5)));
    assertThat(authorizations.replaceIfVersion(claimed, 0)).isTrue();

    assertThat(authorizations.findDuePolls(T0, 10)).containsExactly(second);
    assertThat(authorizations.findDuePolls(T0.plusSeconds(5), 10)).containsExactly(second, claimed);

    // A slow_down recorded by update moves the second past the first: 10 s after T0 + 1 s.
    Authorization slowed = second.withDevice(second.device().slowedDown(T0.plusSeconds(1)));
    assertThat(slowed.device().nextPollTime()).isEqualTo(T0.plusSeconds(11));
    authorizations.update(slowed);

    assertThat(authorizations.findDuePolls(T0.plusSeconds(10), 10)).containsExactly(claimed);
    assertThat(authorizations.findDuePolls(T0.plusSeconds(11), 10))
        .containsExactly(claimed, slowed);

    // And back earlier again.
    Authorization polled = claimed.withDevice(claimed.device().polledUntil(T0.minusSeconds(9)));
    assertThat(authorizations.replaceIfVersion(polled, claimed.version())).isTrue();
    assertThat(authorizations.findDuePolls(T0.minusSeconds(9), 10)).containsExactly(polled);
    assertThat(authorizations.findDuePolls(T0.plusSeconds(11), 10)).containsExactly(polled, slowed);
  }

  @Test
  void aBrowserAuthorizationIsNeverADuePoll() {
    Authorization browser = authorization("acme", "a1", "state-1", "req-1");
    authorizations.create(browser);
    Instant farFuture = T0.plus(Duration.ofDays(3650));

    assertThat(authorizations.findDuePolls(farFuture, 10)).isEmpty();

    Authorization bumped = withVersion(browser, 1);
    assertThat(authorizations.replaceIfVersion(bumped, 0)).isTrue();
    assertThat(authorizations.findDuePolls(farFuture, 10)).isEmpty();
    authorizations.update(withVersion(browser, 2));
    assertThat(authorizations.findDuePolls(farFuture, 10)).isEmpty();
  }

  @Test
  void consumingADeviceAuthorizationsStateLeavesItDue() {
    Authorization pending = device("acme", "d1", T0);
    authorizations.create(pending);

    assertThat(authorizations.consumeState(pending.stateHash())).contains(pending);

    assertThat(authorizations.findDuePolls(T0, 10)).containsExactly(pending);
  }

  @Test
  void findDuePollsReturnsWhatIsStoredNow() {
    Authorization pending = device("acme", "d1", T0.minusSeconds(10));
    authorizations.create(pending);
    Authorization polled = pending.withDevice(pending.device().polledUntil(T0.minusSeconds(5)));
    assertThat(authorizations.replaceIfVersion(polled, 0)).isTrue();

    assertThat(authorizations.findDuePolls(T0, 10)).containsExactly(polled);
    assertThat(authorizations.findDuePolls(T0, 10).get(0).device().polls()).isEqualTo(1);
  }

  @Test
  void exactlyOneOfManyConcurrentClaimersWins() throws Exception {
    Authorization pending = device("acme", "d1", T0, "req-1");
    authorizations.create(pending);
    List<Authorization> claims = new ArrayList<>();
    for (int i = 0; i < CLAIMERS; i++) {
      claims.add(pending.withDevice(pending.device().claimedUntil(T0.plusSeconds(5 + i))));
    }

    List<Boolean> won =
        Race.run(
            CLAIMERS, i -> () -> authorizations.replaceIfVersion(claims.get(i), pending.version()));

    assertThat(won).containsOnlyOnce(true);
    Authorization winner = claims.get(won.indexOf(true));
    assertThat(authorizations.find(pending.name())).contains(winner);
    assertThat(authorizations.findDuePolls(T0.plusSeconds(4), 10)).isEmpty();
    assertThat(authorizations.findDuePolls(T0.plusSeconds(5 + CLAIMERS), 10))
        .containsExactly(winner);
  }

  // --- fixtures ---

  protected static TenantId tenant(String id) {
    return new TenantId(id);
  }

  protected static AuthorizationName name(String tenant, String id) {
    return new AuthorizationName(new TenantId(tenant), id);
  }

  /** A PENDING authorization for the given OAuth state. */
  protected static Authorization authorization(
      String tenant, String id, String state, String requestId) {
    AuthorizationName name = name(tenant, id);
    return new Authorization(
        name,
        new AppId("web-app"),
        new ConnectionName(new TenantId(tenant), "conn-" + id),
        "subject-of-" + id,
        AuthorizationState.PENDING,
        T0,
        T0.plus(Duration.ofMinutes(10)),
        null,
        null,
        stateHash(state),
        SealedSecret.of(("sealed secrets of " + name.name()).getBytes(StandardCharsets.UTF_8)),
        requestId);
  }

  /** A PENDING device authorization, version 0, whose next poll is at {@code nextPollTime}. */
  protected static Authorization device(String tenant, String id, Instant nextPollTime) {
    return device(tenant, id, nextPollTime, "");
  }

  /** The same, with a request id. */
  protected static Authorization device(
      String tenant, String id, Instant nextPollTime, String requestId) {
    Authorization base = authorization(tenant, id, "device-state-" + tenant + "-" + id, requestId);
    return new Authorization(
        base.name(),
        new AppId("tv-app"),
        base.connection(),
        base.subject(),
        base.state(),
        base.createTime(),
        base.expireTime(),
        null,
        null,
        base.stateHash(),
        base.secrets(),
        requestId,
        new DeviceGrant(
            "CODE-" + id.toUpperCase(Locale.ROOT),
            URI.create("https://www.coze.cn/device"),
            URI.create("https://www.coze.cn/device?user_code=CODE-" + id),
            Duration.ofSeconds(5),
            nextPollTime,
            "",
            0),
        0);
  }

  /** {@code a} with another version, nothing else changed. */
  protected static Authorization withVersion(Authorization a, long version) {
    return new Authorization(
        a.name(),
        a.app(),
        a.connection(),
        a.subject(),
        a.state(),
        a.createTime(),
        a.expireTime(),
        a.returnUri(),
        a.error(),
        a.stateHash(),
        a.secrets(),
        a.requestId(),
        a.device(),
        version);
  }

  /** SHA-256 of the state, as the use cases store it. */
  protected static byte[] stateHash(String state) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(state.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] everyByteValue() {
    byte[] bytes = new byte[256];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) i;
    }
    return bytes;
  }
}
