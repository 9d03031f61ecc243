package dev.cozegateway.domain.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationError;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.ConnectionName;
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
