package dev.cozegateway.adapters.redis;

import static dev.cozegateway.adapters.redis.StoreAssertions.assertStoreUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationError;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.contract.AuthorizationStoreContract;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.storerecords.StoredRecords;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

class RedisAuthorizationStoreTest extends AuthorizationStoreContract {
  private static final long DAY_MS = Duration.ofDays(1).toMillis();
  // Slack for the time between the write and the PTTL that checks it, on a slow machine.
  private static final long SLACK_MS = Duration.ofMinutes(1).toMillis();

  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.plain();

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Override
  protected AuthorizationStore store() {
    return new RedisAuthorizationStore(stores.open(redis.config()));
  }

  @Test
  void aTenantsKeysShareOneHashSlotAndTheStateEntryStandsApart() {
    RedisStoreConfig config = redis.config();
    String p = config.keyPrefix();
    RedisAuthorizationStore authorizations = new RedisAuthorizationStore(stores.open(config));
    authorizations.create(authorization("acme", "a1", "state-1", "req-1"));
    String stateHex = HexFormat.of().formatHex(stateHash("state-1"));

    try (Jedis raw = redis.raw()) {
      Set<String> stored = raw.keys(p + "*");

      assertThat(stored)
          .containsExactlyInAnyOrder(
              p + "{t:acme}:authz:a1",
              p + "{t:acme}:authz-request:req-1",
              p + "authz-state:" + stateHex);
      int acme = JedisClusterCRC16.getSlot("t:acme");
      assertThat(JedisClusterCRC16.getSlot(p + "{t:acme}:authz:a1")).isEqualTo(acme);
      assertThat(JedisClusterCRC16.getSlot(p + "{t:acme}:authz-request:req-1")).isEqualTo(acme);
      // The same slot as the tenant's connections, too.
      assertThat(JedisClusterCRC16.getSlot(p + "{t:acme}:conns")).isEqualTo(acme);
      assertThat(raw.get(p + "authz-state:" + stateHex))
          .isEqualTo("tenants/acme/authorizations/a1");
      assertThat(raw.get(p + "{t:acme}:authz-request:req-1")).isEqualTo("a1");
      assertThat(raw.type(p + "{t:acme}:authz:a1")).isEqualTo("hash");
      assertThat(raw.hgetAll(p + "{t:acme}:authz:a1"))
          .containsOnlyKeys("version", "record", "due")
          .containsEntry("version", "0")
          .containsEntry("due", "");
    }
  }

  @Test
  void aDeviceAuthorizationIsInItsTenantsDueIndexWhileItIsPending() {
    RedisStoreConfig config = redis.config();
    String p = config.keyPrefix();
    RedisAuthorizationStore authorizations = new RedisAuthorizationStore(stores.open(config));
    Instant next = Instant.parse("2026-01-01T00:00:00.5Z");
    Authorization pending = device("acme", "d1", next, "req-1");
    authorizations.create(pending);
    String member = "100000001767225600500000000:d1";
    assertThat(member).startsWith(StoredRecords.sortableTime(next));

    try (Jedis raw = redis.raw()) {
      assertThat(raw.keys(p + "*"))
          .containsExactlyInAnyOrder(
              p + "{t:acme}:authz:d1",
              p + "{t:acme}:authz-request:req-1",
              p + "{t:acme}:authz-due",
              p + "authz-state:" + HexFormat.of().formatHex(pending.stateHash()),
              p + "authz-tenants");
      assertThat(JedisClusterCRC16.getSlot(p + "{t:acme}:authz-due"))
          .isEqualTo(JedisClusterCRC16.getSlot("t:acme"));
      assertThat(raw.zrangeWithScores(p + "{t:acme}:authz-due", 0, -1))
          .singleElement()
          .satisfies(
              entry -> {
                assertThat(entry.getElement()).isEqualTo(member);
                assertThat(entry.getScore()).isZero();
              });
      assertThat(raw.hget(p + "{t:acme}:authz:d1", "due")).isEqualTo(member);
      assertThat(raw.smembers(p + "authz-tenants")).containsExactly("acme");

      Authorization claimed =
          pending.withDevice(pending.device().claimedUntil(next.plusSeconds(5)));
      assertThat(authorizations.replaceIfVersion(claimed, 0)).isTrue();
      assertThat(raw.zrange(p + "{t:acme}:authz-due", 0, -1))
          .containsExactly("100000001767225605500000000:d1");
      assertThat(raw.hget(p + "{t:acme}:authz:d1", "version")).isEqualTo("1");

      authorizations.update(claimed.finished(AuthorizationState.CANCELLED, null));
      assertThat(raw.exists(p + "{t:acme}:authz-due")).isFalse();
      assertThat(raw.hget(p + "{t:acme}:authz:d1", "due")).isEmpty();
      assertThat(raw.hget(p + "{t:acme}:authz:d1", "version")).isEqualTo("2");
    }
  }

  @Test
  void aDueMemberWhoseRecordExpiredIsDroppedWhenFound() {
    RedisStoreConfig config = redis.config();
    String p = config.keyPrefix();
    RedisAuthorizationStore authorizations = new RedisAuthorizationStore(stores.open(config));
    Instant next = Instant.parse("2026-01-01T00:00:00Z");
    Authorization expired = device("acme", "d1", next);
    Authorization live = device("acme", "d2", next);
    authorizations.create(expired);
    authorizations.create(live);

    try (Jedis raw = redis.raw()) {
      // What the record's TTL does when an authorization stays PENDING a day past its expiry.
      raw.del(p + "{t:acme}:authz:d1");

      assertThat(authorizations.findDuePolls(next, 10)).containsExactly(live);

      assertThat(raw.zrange(p + "{t:acme}:authz-due", 0, -1))
          .containsExactly(StoredRecords.sortableTime(next) + ":d2");
    }
  }

  @Test
  void replaceIfVersionKeepsTheAuthorizationAndItsRequestIdForADayMore() {
    RedisStoreConfig config = redis.config();
    String p = config.keyPrefix();
    RedisAuthorizationStore authorizations = new RedisAuthorizationStore(stores.open(config));
    Authorization pending = device("acme", "d1", Instant.parse("2026-01-01T00:00:00Z"), "req-1");
    authorizations.create(pending);
    try (Jedis raw = redis.raw()) {
      raw.pexpire(p + "{t:acme}:authz:d1", 60_000);
      raw.pexpire(p + "{t:acme}:authz-request:req-1", 60_000);

      assertThat(
              authorizations.replaceIfVersion(
                  pending.finished(AuthorizationState.EXPIRED, null), 0))
          .isTrue();

      assertLivesFor(raw, p + "{t:acme}:authz:d1", DAY_MS);
      assertLivesFor(raw, p + "{t:acme}:authz-request:req-1", DAY_MS);
    }
  }

  @Test
  void aRecordWrittenBeforeVersionsIsReadAsVersionZeroAndReplacedByAHash() {
    RedisStoreConfig config = redis.config();
    String p = config.keyPrefix();
    RedisAuthorizationStore authorizations = new RedisAuthorizationStore(stores.open(config));
    Authorization first = authorization("acme", "a1", "state-1", "req-1");
    Authorization second = authorization("acme", "a2", "state-2", "");
    try (Jedis raw = redis.raw()) {
      // What the previous release wrote: a string of JSON without device or version.
      for (Authorization a : new Authorization[] {first, second}) {
        String older =
            StoredRecords.toJson(a).replace(",\"device\":null", "").replace(",\"version\":0", "");
        raw.set(p + "{t:acme}:authz:" + a.name().authorizationId(), older);
        raw.set(p + "authz-state:" + HexFormat.of().formatHex(a.stateHash()), a.name().name());
      }
      raw.set(p + "{t:acme}:authz-request:req-1", "a1");

      assertThat(authorizations.find(first.name())).contains(first);
      assertThat(authorizations.findByRequestId(tenant("acme"), "req-1")).contains(first);
      assertThat(authorizations.consumeState(stateHash("state-2"))).contains(second);
      assertThat(authorizations.create(authorization("acme", "a3", "state-3", "req-1")))
          .contains(first);

      Authorization denied = first.finished(AuthorizationState.DENIED, null);
      assertThat(authorizations.replaceIfVersion(denied, 1)).isFalse();
      assertThat(authorizations.replaceIfVersion(denied, 0)).isTrue();
      assertThat(raw.type(p + "{t:acme}:authz:a1")).isEqualTo("hash");
      assertThat(authorizations.find(first.name())).contains(denied);

      Authorization completed = second.finished(AuthorizationState.COMPLETED, null);
      authorizations.update(completed);
      assertThat(raw.type(p + "{t:acme}:authz:a2")).isEqualTo("hash");
      assertThat(authorizations.find(second.name())).contains(completed);
      assertThat(authorizations.findDuePolls(Instant.MAX, 10)).isEmpty();
    }
  }

  @Test
  void keepsAnAuthorizationForADayPastItsExpiry() {
    RedisStoreConfig config = redis.config();
    String p = config.keyPrefix();
    RedisAuthorizationStore authorizations = new RedisAuthorizationStore(stores.open(config));
    // The fixture's expiry is long past: kept for a day from now.
    Authorization past = authorization("acme", "a1", "state-1", "req-1");
    // This one expires in ten minutes: kept for a day after that.
    Authorization pending = expiringIn(authorization("acme", "a2", "state-2", "req-2"), 10);
    authorizations.create(past);
    authorizations.create(pending);

    try (Jedis raw = redis.raw()) {
      assertLivesFor(raw, p + "{t:acme}:authz:a1", DAY_MS);
      assertLivesFor(raw, p + "{t:acme}:authz-request:req-1", DAY_MS);
      assertLivesFor(
          raw, p + "authz-state:" + HexFormat.of().formatHex(stateHash("state-1")), DAY_MS);
      long tenMinutes = Duration.ofMinutes(10).toMillis();
      assertLivesFor(raw, p + "{t:acme}:authz:a2", DAY_MS + tenMinutes);
      assertLivesFor(raw, p + "{t:acme}:authz-request:req-2", DAY_MS + tenMinutes);
      assertLivesFor(
          raw,
          p + "authz-state:" + HexFormat.of().formatHex(stateHash("state-2")),
          DAY_MS + tenMinutes);
    }
  }

  @Test
  void updateKeepsATerminalAuthorizationAndItsRequestIdForADayMore() {
    RedisStoreConfig config = redis.config();
    String p = config.keyPrefix();
    RedisAuthorizationStore authorizations = new RedisAuthorizationStore(stores.open(config));
    Authorization pending = authorization("acme", "a1", "state-1", "req-1");
    authorizations.create(pending);
    try (Jedis raw = redis.raw()) {
      raw.pexpire(p + "{t:acme}:authz:a1", 60_000);
      raw.pexpire(p + "{t:acme}:authz-request:req-1", 60_000);

      authorizations.update(
          pending.finished(
              AuthorizationState.DENIED, new AuthorizationError("access_denied", "no", "")));

      assertLivesFor(raw, p + "{t:acme}:authz:a1", DAY_MS);
      assertLivesFor(raw, p + "{t:acme}:authz-request:req-1", DAY_MS);
    }
  }

  @Test
  void aCreateThatLosesToAnEarlierRequestIdLeavesNoStateEntry() {
    RedisStoreConfig config = redis.config();
    RedisAuthorizationStore authorizations = new RedisAuthorizationStore(stores.open(config));
    Authorization first = authorization("acme", "a1", "state-1", "req-1");
    authorizations.create(first);

    assertThat(authorizations.create(authorization("acme", "a2", "state-2", "req-1")))
        .contains(first);

    try (Jedis raw = redis.raw()) {
      assertThat(raw.keys(config.keyPrefix() + "*"))
          .containsExactlyInAnyOrder(
              config.keyPrefix() + "{t:acme}:authz:a1",
              config.keyPrefix() + "{t:acme}:authz-request:req-1",
              config.keyPrefix() + "authz-state:" + HexFormat.of().formatHex(stateHash("state-1")));
    }
  }

  @Test
  void repeatingTheVeryCreateKeepsItsState() {
    // What a retry after a lost reply does: the first attempt was stored after all.
    RedisAuthorizationStore authorizations =
        new RedisAuthorizationStore(stores.open(redis.config()));
    Authorization pending = authorization("acme", "a1", "state-1", "req-1");
    authorizations.create(pending);

    assertThat(authorizations.create(pending)).contains(pending);

    assertThat(authorizations.consumeState(stateHash("state-1"))).contains(pending);
  }

  @Test
  void aStateEntryWhoseRecordWasNeverStoredIsConsumedAsUnknown() {
    // What a create that failed between its two steps leaves behind.
    RedisStoreConfig config = redis.config();
    RedisAuthorizationStore authorizations = new RedisAuthorizationStore(stores.open(config));
    String stateKey =
        config.keyPrefix() + "authz-state:" + HexFormat.of().formatHex(stateHash("state-1"));
    try (Jedis raw = redis.raw()) {
      raw.set(stateKey, "tenants/acme/authorizations/a1");

      assertThat(authorizations.consumeState(stateHash("state-1"))).isEmpty();

      assertThat(raw.exists(stateKey)).isFalse();
    }
  }

  @Test
  void anUnreadableStateEntryIsDataCorrupt() {
    RedisStoreConfig config = redis.config();
    RedisAuthorizationStore authorizations = new RedisAuthorizationStore(stores.open(config));
    try (Jedis raw = redis.raw()) {
      raw.set(
          config.keyPrefix() + "authz-state:" + HexFormat.of().formatHex(stateHash("state-1")),
          "not a name");
    }

    GatewayException.Internal failure =
        catchThrowableOfType(
            GatewayException.Internal.class,
            () -> authorizations.consumeState(stateHash("state-1")));

    assertThat(failure.reason()).isEqualTo(Reason.DATA_CORRUPT);
  }

  @Test
  void recordsAndIndexesSurviveANewClientOnTheSameServer() {
    RedisStoreConfig config = redis.config();
    RedisStore first = stores.open(config);
    RedisAuthorizationStore authorizations = new RedisAuthorizationStore(first);
    Authorization consumed = authorization("acme", "a1", "state-1", "req-1");
    Authorization pending = authorization("acme", "a2", "state-2", "req-2");
    authorizations.create(consumed);
    authorizations.create(pending);
    authorizations.consumeState(stateHash("state-1"));
    Authorization completed = consumed.finished(AuthorizationState.COMPLETED, null);
    authorizations.update(completed);
    first.close();

    RedisAuthorizationStore again = new RedisAuthorizationStore(stores.open(config));

    assertThat(again.find(consumed.name())).contains(completed);
    assertThat(again.findByRequestId(tenant("acme"), "req-1")).contains(completed);
    assertThat(again.consumeState(stateHash("state-1"))).as("a used state stays used").isEmpty();
    assertThat(again.create(authorization("acme", "a3", "state-3", "req-2"))).contains(pending);
    assertThat(again.consumeState(stateHash("state-2"))).contains(pending);
  }

  @Test
  void aClosedStoreIsUnavailable() {
    RedisStore closed = stores.open(redis.config());
    RedisAuthorizationStore authorizations = new RedisAuthorizationStore(closed);
    closed.close();

    assertStoreUnavailable(() -> authorizations.create(authorization("acme", "a1", "state-1", "")));
    assertStoreUnavailable(() -> authorizations.consumeState(stateHash("state-1")));
    assertStoreUnavailable(() -> authorizations.find(name("acme", "a1")));
    assertStoreUnavailable(() -> authorizations.findByRequestId(tenant("acme"), "req-1"));
    assertStoreUnavailable(() -> authorizations.update(authorization("acme", "a1", "state-1", "")));
    assertStoreUnavailable(
        () -> authorizations.replaceIfVersion(authorization("acme", "a1", "state-1", ""), 0));
    assertStoreUnavailable(() -> authorizations.findDuePolls(Instant.MAX, 10));
  }

  private static Authorization expiringIn(Authorization a, int minutes) {
    Instant now = Instant.now();
    return new Authorization(
        a.name(),
        a.app(),
        a.connection(),
        a.subject(),
        a.state(),
        now,
        now.plus(Duration.ofMinutes(minutes)),
        a.returnUri(),
        a.error(),
        a.stateHash(),
        a.secrets(),
        a.requestId());
  }

  /** The key expires in {@code expected} ms from about now (never later). */
  private static void assertLivesFor(Jedis raw, String key, long expected) {
    assertThat(raw.pttl(key)).as("ms to live of %s", key).isBetween(expected - SLACK_MS, expected);
  }
}
