package dev.cozegateway.domain.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.RefreshIntent;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.ConnectionStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ConnectionStore} guarantees. Extend it once per implementation and return a
 * fresh, empty store from {@link #store()}.
 */
public abstract class ConnectionStoreContract {
  private static final Instant T0 = Instant.parse("2025-03-01T10:15:30.123456789Z");
  private static final int RACERS = 16;

  private ConnectionStore connections;

  /** A new, empty store for one test. Called once before each test. */
  protected abstract ConnectionStore store();

  @BeforeEach
  final void createStore() {
    connections = store();
  }

  @Test
  void findsNothingInAnEmptyStore() {
    assertThat(connections.find(name("acme", "c1"))).isEmpty();
  }

  @Test
  void roundTripsEveryField() {
    Connection stored =
        new Connection(
            name("acme", "c1"),
            new AppId("web-app"),
            "user-42 ☃",
            ConnectionState.NEEDS_REAUTHORIZATION,
            T0,
            T0.plusNanos(1),
            T0.plus(Duration.ofMinutes(15)),
            T0.plusSeconds(30),
            SealedSecret.of(everyByteValue("tokens")),
            41);

    connections.put(stored);

    Connection found = connections.find(stored.name()).orElseThrow();
    assertThat(found).isEqualTo(stored);
    assertThat(found.tokens().bytes()).isEqualTo(everyByteValue("tokens"));
    assertThat(found.lastRefreshTime()).isEqualTo(T0.plusSeconds(30));
    assertThat(found.updateTime()).isEqualTo(T0.plusNanos(1));
  }

  @Test
  void roundTripsAConnectionThatWasNeverRefreshed() {
    Connection stored = connection("acme", "c1", 1);
    assertThat(stored.lastRefreshTime()).isNull();

    connections.put(stored);

    Connection found = connections.find(stored.name()).orElseThrow();
    assertThat(found).isEqualTo(stored);
    assertThat(found.lastRefreshTime()).isNull();
  }

  @Test
  void putReplacesTheStoredConnectionWhateverItsVersion() {
    connections.put(connection("acme", "c1", 7));
    Connection regrant =
        connection("acme", "c1", 1).refreshed(T0.plusSeconds(60), T0.plusSeconds(960), sealed("x"));

    connections.put(regrant);

    assertThat(connections.find(regrant.name())).contains(regrant);
  }

  @Test
  void keepsSameConnectionIdsOfDifferentTenantsApart() {
    Connection ofAcme = connection("acme", "c1", 1);
    Connection ofGlobex = connection("globex", "c1", 5);
    connections.put(ofAcme);
    connections.put(ofGlobex);

    assertThat(connections.delete(ofAcme.name())).isTrue();

    assertThat(connections.find(ofAcme.name())).isEmpty();
    assertThat(connections.find(ofGlobex.name())).contains(ofGlobex);
  }

  @Test
  void replaceIfVersionWritesWhenTheVersionMatches() {
    Connection current = connection("acme", "c1", 3);
    connections.put(current);
    Connection refreshed =
        current.refreshed(T0.plusSeconds(60), T0.plusSeconds(960), sealed("new tokens"));

    assertThat(connections.replaceIfVersion(refreshed, 3)).isTrue();

    Connection found = connections.find(current.name()).orElseThrow();
    assertThat(found).isEqualTo(refreshed);
    assertThat(found.version()).isEqualTo(4);
  }

  @Test
  void aRefreshIntentIsStoredBeforeTheRefreshAndClearedByIt() {
    Connection current = connection("acme", "c1", 3);
    connections.put(current);
    Connection intended =
        current.withRefreshIntent(new RefreshIntent("replica-a 4711", T0.plusMillis(1_500)));

    assertThat(connections.replaceIfVersion(intended, 3)).isTrue();
    Connection found = connections.find(current.name()).orElseThrow();
    assertThat(found).isEqualTo(intended);
    assertThat(found.refreshIntent())
        .isEqualTo(new RefreshIntent("replica-a 4711", T0.plusMillis(1_500)));

    Connection refreshed =
        found.refreshed(T0.plusSeconds(60), T0.plusSeconds(960), sealed("new tokens"));
    assertThat(connections.replaceIfVersion(refreshed, 4)).isTrue();
    assertThat(connections.find(current.name()).orElseThrow().refreshIntent()).isNull();
  }

  @Test
  void replaceIfVersionRefusesAStaleVersion() {
    Connection current = connection("acme", "c1", 5);
    connections.put(current);
    Connection stale =
        connection("acme", "c1", 4)
            .refreshed(T0.plusSeconds(60), T0.plusSeconds(960), sealed("stale"));

    assertThat(connections.replaceIfVersion(stale, 4)).isFalse();

    assertThat(connections.find(current.name())).contains(current);
  }

  @Test
  void replaceIfVersionRefusesANewerExpectedVersion() {
    Connection current = connection("acme", "c1", 5);
    connections.put(current);

    assertThat(connections.replaceIfVersion(connection("acme", "c1", 7), 6)).isFalse();

    assertThat(connections.find(current.name())).contains(current);
  }

  @Test
  void replaceIfVersionDoesNotCreateAMissingConnection() {
    Connection updated = connection("acme", "c1", 2);

    assertThat(connections.replaceIfVersion(updated, 1)).isFalse();

    assertThat(connections.find(updated.name())).isEmpty();
  }

  @Test
  void replaceIfVersionFailsAfterDelete() {
    Connection current = connection("acme", "c1", 1);
    connections.put(current);
    connections.delete(current.name());

    assertThat(connections.replaceIfVersion(connection("acme", "c1", 2), 1)).isFalse();

    assertThat(connections.find(current.name())).isEmpty();
  }

  @Test
  void deleteReportsWhetherTheConnectionExisted() {
    Connection current = connection("acme", "c1", 1);
    connections.put(current);

    assertThat(connections.delete(current.name())).isTrue();
    assertThat(connections.find(current.name())).isEmpty();
    assertThat(connections.delete(current.name())).isFalse();
    assertThat(connections.delete(name("acme", "never-stored"))).isFalse();
  }

  @Test
  void listsByConnectionIdWhateverTheInsertionOrder() {
    for (String id : List.of("delta", "alpha", "c9", "charlie", "bravo", "c10")) {
      connections.put(connection("acme", id, 1));
    }

    assertThat(ids(connections.list(tenant("acme"), null, 100)))
        .containsExactly("alpha", "bravo", "c10", "c9", "charlie", "delta");
  }

  @Test
  void listReturnsWholeConnections() {
    Connection stored = connection("acme", "c1", 3).withState(ConnectionState.REVOKED, T0);
    connections.put(stored);

    assertThat(connections.list(tenant("acme"), null, 10)).containsExactly(stored);
  }

  @Test
  void listStartsAfterTheCursorExclusively() {
    putAll("acme", "a", "b", "c", "d");

    assertThat(ids(connections.list(tenant("acme"), "b", 100))).containsExactly("c", "d");
    assertThat(ids(connections.list(tenant("acme"), "d", 100))).isEmpty();
  }

  @Test
  void listAcceptsACursorThatIsNotStored() {
    putAll("acme", "a", "c", "e");

    assertThat(ids(connections.list(tenant("acme"), "b", 100))).containsExactly("c", "e");
    assertThat(ids(connections.list(tenant("acme"), "zzz", 100))).isEmpty();
  }

  @Test
  void listReturnsAtMostLimit() {
    putAll("acme", "a", "b", "c", "d", "e");

    assertThat(ids(connections.list(tenant("acme"), null, 2))).containsExactly("a", "b");
    assertThat(ids(connections.list(tenant("acme"), "b", 2))).containsExactly("c", "d");
    assertThat(ids(connections.list(tenant("acme"), null, 1))).containsExactly("a");
  }

  @Test
  void pagingVisitsEveryConnectionOnce() {
    List<String> stored = new ArrayList<>();
    for (int i = 0; i < 23; i++) {
      stored.add(String.format("conn-%02d", i));
    }
    putAll("acme", stored.toArray(String[]::new));

    List<String> visited = new ArrayList<>();
    String after = null;
    for (int page = 0; page < 10; page++) {
      List<Connection> found = connections.list(tenant("acme"), after, 5);
      assertThat(found).hasSizeLessThanOrEqualTo(5);
      if (found.isEmpty()) {
        break;
      }
      visited.addAll(ids(found));
      after = found.get(found.size() - 1).name().connectionId();
    }

    assertThat(visited).containsExactlyElementsOf(stored);
  }

  @Test
  void listShowsOnlyTheTenantsConnections() {
    // Tenant ids that are prefixes of each other must not leak into one another's listing.
    putAll("a", "x1", "x2");
    putAll("ab", "x3");
    putAll("a-b", "x4");
    putAll("b", "x0");

    assertThat(ids(connections.list(tenant("a"), null, 100))).containsExactly("x1", "x2");
    assertThat(ids(connections.list(tenant("ab"), null, 100))).containsExactly("x3");
    assertThat(ids(connections.list(tenant("a-b"), null, 100))).containsExactly("x4");
    assertThat(ids(connections.list(tenant("a"), "x2", 100))).isEmpty();
    assertThat(connections.list(tenant("nobody"), null, 100)).isEmpty();
  }

  @Test
  void listDoesNotShowDeletedConnections() {
    putAll("acme", "a", "b", "c");
    connections.delete(name("acme", "b"));

    assertThat(ids(connections.list(tenant("acme"), null, 100))).containsExactly("a", "c");
  }

  @Test
  void exactlyOneOfManyConcurrentWritersFromTheSameVersionWins() throws Exception {
    Connection current = connection("acme", "c1", 1);
    connections.put(current);

    List<Connection> attempts = new ArrayList<>();
    for (int i = 0; i < RACERS; i++) {
      attempts.add(
          current.refreshed(T0.plusSeconds(i), T0.plusSeconds(900 + i), sealed("racer " + i)));
    }
    List<Boolean> won =
        Race.run(RACERS, i -> () -> connections.replaceIfVersion(attempts.get(i), 1));

    assertThat(won).containsOnlyOnce(true);
    Connection winner = attempts.get(won.indexOf(true));
    assertThat(connections.find(current.name())).contains(winner);
  }

  @Test
  void concurrentWritersToDifferentConnectionsAllLand() throws Exception {
    List<Connection> written = new ArrayList<>();
    for (int i = 0; i < RACERS; i++) {
      written.add(connection("acme", String.format("c%02d", i), i));
    }

    Race.run(
        RACERS,
        i ->
            () -> {
              connections.put(written.get(i));
              return null;
            });

    assertThat(connections.list(tenant("acme"), null, 100)).containsExactlyElementsOf(written);
  }

  // --- fixtures, for subclasses too ---

  protected static TenantId tenant(String id) {
    return new TenantId(id);
  }

  protected static ConnectionName name(String tenant, String id) {
    return new ConnectionName(new TenantId(tenant), id);
  }

  /** An ACTIVE, never-refreshed connection whose sealed tokens are unique to its name. */
  protected static Connection connection(String tenant, String id, long version) {
    ConnectionName name = name(tenant, id);
    return new Connection(
        name,
        new AppId("web-app"),
        "subject-of-" + id,
        ConnectionState.ACTIVE,
        T0,
        T0,
        T0.plus(Duration.ofMinutes(15)),
        null,
        sealed(name.name()),
        version);
  }

  private void putAll(String tenant, String... ids) {
    for (String id : ids) {
      connections.put(connection(tenant, id, 1));
    }
  }

  private static SealedSecret sealed(String seed) {
    return SealedSecret.of(everyByteValue(seed));
  }

  /** All 256 byte values, then the seed: catches codecs that are not binary-safe. */
  private static byte[] everyByteValue(String seed) {
    byte[] tail = seed.getBytes(StandardCharsets.UTF_8);
    byte[] bytes = new byte[256 + tail.length];
    for (int i = 0; i < 256; i++) {
      bytes[i] = (byte) i;
    }
    System.arraycopy(tail, 0, bytes, 256, tail.length);
    return bytes;
  }

  private static List<String> ids(List<Connection> found) {
    return found.stream().map(c -> c.name().connectionId()).toList();
  }

  @Test
  void forEachConnectionVisitsEveryTenantsConnections() {
    connections.put(connection("acme", "a", 1));
    connections.put(connection("acme", "b", 1));
    connections.put(connection("globex", "a", 1));
    java.util.Set<String> seen = new java.util.HashSet<>();

    connections.forEachConnection(c -> seen.add(c.name().name()));

    assertThat(seen)
        .containsExactlyInAnyOrder(
            "tenants/acme/connections/a",
            "tenants/acme/connections/b",
            "tenants/globex/connections/a");
  }

  @Test
  void theVisitorMayWriteWhatItVisits() {
    for (int i = 0; i < 5; i++) {
      connections.put(connection("acme", "c" + i, 1));
    }

    connections.forEachConnection(
        c ->
            assertThat(
                    connections.replaceIfVersion(connection("acme", c.name().connectionId(), 2), 1))
                .isTrue());

    for (int i = 0; i < 5; i++) {
      assertThat(connections.find(name("acme", "c" + i)).orElseThrow().version()).isEqualTo(2);
    }
  }
}
