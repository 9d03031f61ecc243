package dev.cozegateway.adapters.embedded;

import static dev.cozegateway.adapters.embedded.MvStoreConnectionStoreTest.assertStoreUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.ServiceToken;
import dev.cozegateway.domain.ServiceTokenKey;
import dev.cozegateway.domain.contract.ServiceTokenStoreContract;
import dev.cozegateway.domain.port.ServiceTokenStore;
import dev.cozegateway.domain.testing.MutableClock;
import dev.cozegateway.storerecords.StoredRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class MvStoreServiceTokenStoreTest extends ServiceTokenStoreContract {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final String SESSION = "alice@example.com ☃";

  @TempDir Path dataDir;

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Override
  protected ServiceTokenStore store() {
    return new MvStoreServiceTokenStore(stores.open(dataDir), InstantSource.system());
  }

  @Test
  void keysRecordsByTheKeyIdAloneWithOneIndexEntryEach() {
    EmbeddedStore embedded = stores.open(dataDir.resolve("layout"));
    MvStoreServiceTokenStore tokens =
        new MvStoreServiceTokenStore(embedded, InstantSource.system());
    ServiceTokenKey key = key("jwt-app", SESSION, "");
    ServiceToken first = token(key, EXPIRES, "first");
    ServiceToken fresher = token(key, EXPIRES.plusSeconds(1), "fresher");

    tokens.putIfFresher(first);
    tokens.putIfFresher(fresher);

    assertThat(embedded.recordMap("service-tokens").keySet()).containsExactly(key.id());
    assertThat(embedded.indexMap("service-token-expiry-index"))
        .containsExactly(
            Map.entry(
                StoredRecords.sortableTime(EXPIRES.plusSeconds(1)) + ":" + key.id(), key.id()));
    assertThat(String.join(" ", embedded.indexMap("service-token-expiry-index").keySet()))
        .doesNotContain("alice");
  }

  @Test
  void keepsTokensAcrossAReopen() {
    Path dir = dataDir.resolve("reopened");
    EmbeddedStore first = stores.open(dir);
    ServiceToken stored = token(key("jwt-app", SESSION, ""), EXPIRES, "kept");
    new MvStoreServiceTokenStore(first, InstantSource.system()).putIfFresher(stored);
    first.close();

    MvStoreServiceTokenStore reopened =
        new MvStoreServiceTokenStore(stores.open(dir), InstantSource.system());

    assertThat(reopened.find(stored.key())).contains(stored);
    assertThat(reopened.putIfFresher(token(stored.key(), EXPIRES.minusNanos(1), "staler")))
        .isEqualTo(stored);
  }

  @Test
  void aWriteDropsTokensThatExpiredLongerAgoThanTheMargin() {
    MutableClock clock = new MutableClock(NOW);
    MvStoreServiceTokenStore tokens =
        new MvStoreServiceTokenStore(stores.open(dataDir.resolve("drop")), clock);
    ServiceToken longExpired = token(key("jwt-app", "a", ""), NOW.minusSeconds(1), "long ago");
    ServiceToken atTheMargin = token(key("jwt-app", "b", ""), NOW, "at the margin");
    ServiceToken valid = token(key("jwt-app", "c", ""), NOW.plus(Duration.ofHours(2)), "valid");
    tokens.putIfFresher(longExpired);
    tokens.putIfFresher(atTheMargin);
    tokens.putIfFresher(valid);
    clock.advance(MvStoreServiceTokenStore.DROP_AFTER);

    assertThat(tokens.find(longExpired.key())).as("a read drops nothing").contains(longExpired);

    tokens.putIfFresher(token(key("jwt-app", "d", ""), NOW.plus(Duration.ofHours(2)), "new"));

    assertThat(tokens.find(longExpired.key())).isEmpty();
    assertThat(tokens.find(atTheMargin.key())).contains(atTheMargin);
    assertThat(tokens.find(valid.key())).contains(valid);
  }

  @Test
  void aTokenDroppedOnTheWayIsReplacedEvenByAStalerOne() {
    MutableClock clock = new MutableClock(NOW);
    MvStoreServiceTokenStore tokens =
        new MvStoreServiceTokenStore(stores.open(dataDir.resolve("replaced")), clock);
    ServiceTokenKey key = key("jwt-app", "a", "");
    tokens.putIfFresher(token(key, NOW, "expired"));
    clock.advance(Duration.ofDays(1));
    ServiceToken staler = token(key, NOW.minusNanos(1), "staler");

    assertThat(tokens.putIfFresher(staler)).isEqualTo(staler);
    assertThat(tokens.find(key)).contains(staler);
  }

  @Test
  void aWriteDropsABatchOfExpiredTokensAtMostOldestFirst() {
    MutableClock clock = new MutableClock(NOW);
    EmbeddedStore embedded = stores.open(dataDir.resolve("batch"));
    MvStoreServiceTokenStore tokens = new MvStoreServiceTokenStore(embedded, clock);
    int expired = MvStoreServiceTokenStore.DROP_BATCH + 3;
    List<ServiceToken> stored = new ArrayList<>();
    for (int i = 0; i < expired; i++) {
      ServiceToken token = token(key("jwt-app", "s" + i, ""), NOW.plusSeconds(i), "t" + i);
      tokens.putIfFresher(token);
      stored.add(token);
    }
    clock.advance(Duration.ofDays(1));
    ServiceToken valid = token(key("jwt-app", "valid", ""), NOW.plus(Duration.ofDays(2)), "v");

    tokens.putIfFresher(valid);

    assertThat(embedded.recordMap("service-tokens")).hasSize(4);
    for (ServiceToken left : stored.subList(MvStoreServiceTokenStore.DROP_BATCH, expired)) {
      assertThat(tokens.find(left.key())).contains(left);
    }

    assertThat(tokens.putIfFresher(valid)).as("a write that writes nothing").isEqualTo(valid);

    assertThat(embedded.recordMap("service-tokens").keySet()).containsExactly(valid.key().id());
    assertThat(embedded.indexMap("service-token-expiry-index")).hasSize(1);
  }

  @Test
  void anUnreadableRecordIsDataCorruptNotAParseError() {
    EmbeddedStore embedded = stores.open(dataDir.resolve("corrupt"));
    MvStoreServiceTokenStore tokens =
        new MvStoreServiceTokenStore(embedded, InstantSource.system());
    ServiceTokenKey key = key("jwt-app", SESSION, "");
    embedded.write(
        () ->
            embedded
                .recordMap("service-tokens")
                .put(key.id(), "{not json".getBytes(StandardCharsets.UTF_8)));

    GatewayException.Internal failure =
        catchThrowableOfType(GatewayException.Internal.class, () -> tokens.find(key));

    assertThat(failure.reason()).isEqualTo(Reason.DATA_CORRUPT);
    assertThat(failure.getMessage()).doesNotContain("not json").doesNotContain("alice");
  }

  @Test
  void aClosedStoreIsUnavailable() {
    EmbeddedStore embedded = stores.open(dataDir.resolve("closed"));
    MvStoreServiceTokenStore tokens =
        new MvStoreServiceTokenStore(embedded, InstantSource.system());
    embedded.close();
    ServiceTokenKey key = key("jwt-app", SESSION, "");

    assertStoreUnavailable(() -> tokens.find(key));
    assertStoreUnavailable(() -> tokens.putIfFresher(token(key, EXPIRES, "t")));
  }
}
