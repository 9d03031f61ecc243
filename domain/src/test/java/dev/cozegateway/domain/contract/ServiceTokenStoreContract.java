package dev.cozegateway.domain.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.ServiceToken;
import dev.cozegateway.domain.ServiceTokenKey;
import dev.cozegateway.domain.port.ServiceTokenStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ServiceTokenStore} guarantees. Extend it once per implementation and return a
 * fresh, empty store from {@link #store()}.
 *
 * <p>The tokens here expire far in the future, because a store may drop a token once it expired
 * (Redis does, on its own clock): what a store does with expired tokens is for its own tests.
 */
public abstract class ServiceTokenStoreContract {
  /** The expire time of the tokens here, unless a test says otherwise. */
  protected static final Instant EXPIRES = Instant.parse("2100-03-01T10:15:30.123456789Z");

  private static final Instant CREATED = Instant.parse("2025-03-01T10:15:30.987654321Z");
  private static final int RACERS = 16;
  private static final String SCOPE =
      "{\"account_permission\":{\"permission_list\":[\"Connector.botChat\"]}}";

  private ServiceTokenStore tokens;

  /** A new, empty store for one test. Called once before each test. */
  protected abstract ServiceTokenStore store();

  @BeforeEach
  final void createStore() {
    tokens = store();
  }

  @Test
  void findsNothingInAnEmptyStore() {
    assertThat(tokens.find(key("jwt-app", "", ""))).isEmpty();
    assertThat(tokens.find(key("jwt-app", "alice", SCOPE))).isEmpty();
  }

  @Test
  void roundTripsEveryField() {
    ServiceTokenKey key = key("jwt-app", "user-42 ☃ 日本 😀", SCOPE);
    ServiceToken stored =
        new ServiceToken(
            key, SealedSecret.of(everyByteValue("token")), EXPIRES.plusNanos(1), CREATED);

    assertThat(tokens.putIfFresher(stored)).isEqualTo(stored);

    ServiceToken found = tokens.find(key).orElseThrow();
    assertThat(found).isEqualTo(stored);
    assertThat(found.key()).isEqualTo(key);
    assertThat(found.key().sessionName()).isEqualTo("user-42 ☃ 日本 😀");
    assertThat(found.key().scope()).isEqualTo(SCOPE);
    assertThat(found.token().bytes()).isEqualTo(everyByteValue("token"));
    assertThat(found.expireTime()).isEqualTo(Instant.parse("2100-03-01T10:15:30.123456790Z"));
    assertThat(found.createTime()).isEqualTo(Instant.parse("2025-03-01T10:15:30.987654321Z"));
  }

  @Test
  void roundTripsTheAppsOwnTokenWithoutSessionOrScope() {
    ServiceToken stored = token(key("jwt-app", "", ""), EXPIRES, "app's own");

    tokens.putIfFresher(stored);

    ServiceToken found = tokens.find(stored.key()).orElseThrow();
    assertThat(found).isEqualTo(stored);
    assertThat(found.key().sessionName()).isEmpty();
    assertThat(found.key().scope()).isEmpty();
  }

  @Test
  void keysThatDifferOnlyInAppSessionNameOrScopeAreIndependent() {
    List<ServiceTokenKey> keys =
        List.of(
            key("jwt-app", "", ""),
            key("jwt-app", "alice", ""),
            key("jwt-app", "Alice", ""),
            key("jwt-app", "alice ", ""),
            key("jwt-app", "", SCOPE),
            key("jwt-app", "alice", SCOPE),
            key("jwt-app", "alice", SCOPE.replace("botChat", "workflowRun")),
            key("other-app", "alice", SCOPE));
    // Later expiries for later keys: a store that mixed two keys up would keep the later token.
    List<ServiceToken> written = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      written.add(token(keys.get(i), EXPIRES.plusSeconds(i), "token " + i));
    }
    for (ServiceToken token : written) {
      assertThat(tokens.putIfFresher(token)).isEqualTo(token);
    }

    for (ServiceToken token : written) {
      assertThat(tokens.find(token.key())).as(token.key().toString()).contains(token);
    }
  }

  @Test
  void aFresherTokenReplacesTheStoredOne() {
    ServiceTokenKey key = key("jwt-app", "alice", SCOPE);
    ServiceToken earlier = token(key, EXPIRES, "earlier");
    ServiceToken later = token(key, EXPIRES.plusNanos(1), "later");
    tokens.putIfFresher(earlier);

    assertThat(tokens.putIfFresher(later)).isEqualTo(later);

    assertThat(tokens.find(key)).contains(later);
  }

  @Test
  void aStalerTokenDoesNotReplaceTheStoredOneAndGetsItBack() {
    ServiceTokenKey key = key("jwt-app", "alice", SCOPE);
    ServiceToken later = token(key, EXPIRES.plusNanos(1), "later");
    ServiceToken earlier = token(key, EXPIRES, "minted late, expires earlier");
    tokens.putIfFresher(later);

    assertThat(tokens.putIfFresher(earlier)).isEqualTo(later);

    assertThat(tokens.find(key)).contains(later);
  }

  @Test
  void theLaterExpiryWinsWhicheverOrderTheTokensArriveIn() {
    for (int order = 0; order < 2; order++) {
      ServiceTokenKey key = key("jwt-app", "session-" + order, "");
      ServiceToken earlier = token(key, EXPIRES.plus(Duration.ofMinutes(14)), "earlier");
      ServiceToken later = token(key, EXPIRES.plus(Duration.ofMinutes(15)), "later");
      List<ServiceToken> arrivals = order == 0 ? List.of(earlier, later) : List.of(later, earlier);

      for (ServiceToken arriving : arrivals) {
        ServiceToken returned = tokens.putIfFresher(arriving);
        assertThat(returned).as("returns what is stored").isEqualTo(tokens.find(key).orElseThrow());
      }

      assertThat(tokens.find(key)).as("arrival order " + order).contains(later);
    }
  }

  @Test
  void aTokenThatExpiresAtTheSameTimeLeavesOneOfTheTwoStoredAndReturnsIt() {
    ServiceTokenKey key = key("jwt-app", "alice", "");
    ServiceToken first = token(key, EXPIRES, "first");
    ServiceToken second = token(key, EXPIRES, "second");
    tokens.putIfFresher(first);

    ServiceToken returned = tokens.putIfFresher(second);

    assertThat(returned).isIn(first, second);
    assertThat(tokens.find(key)).contains(returned);
  }

  @Test
  void ofManyConcurrentWritersTheLatestExpiryIsStored() throws Exception {
    ServiceTokenKey key = key("jwt-app", "alice", SCOPE);
    List<ServiceToken> offered = new ArrayList<>();
    for (int i = 0; i < RACERS; i++) {
      offered.add(token(key, EXPIRES.plusMillis(i).plusNanos(i), "racer " + i));
    }
    // The first racer offers the latest: a store where the last write wins would usually fail.
    Collections.reverse(offered);

    List<ServiceToken> returned = Race.run(RACERS, i -> () -> tokens.putIfFresher(offered.get(i)));

    ServiceToken latest = offered.get(0);
    assertThat(tokens.find(key)).contains(latest);
    for (int i = 0; i < RACERS; i++) {
      assertThat(returned.get(i).expireTime())
          .as("racer %d gets a token no staler than its own", i)
          .isAfterOrEqualTo(offered.get(i).expireTime());
      assertThat(returned.get(i)).isIn(offered);
    }
  }

  @Test
  void concurrentWritersOfDifferentKeysAllLand() throws Exception {
    List<ServiceToken> written = new ArrayList<>();
    for (int i = 0; i < RACERS; i++) {
      written.add(token(key("jwt-app", "session-" + i, ""), EXPIRES, "token " + i));
    }

    List<ServiceToken> returned = Race.run(RACERS, i -> () -> tokens.putIfFresher(written.get(i)));

    assertThat(returned).containsExactlyElementsOf(written);
    for (ServiceToken token : written) {
      assertThat(tokens.find(token.key())).contains(token);
    }
  }

  @Test
  void aSessionNameOfTheLongestLengthInAnyScriptWorks() {
    // 64 times four UTF-16 chars: two of the BMP and a surrogate pair.
    String longest = "é☃😀".repeat(64);
    assertThat(longest).hasSize(ServiceTokenKey.MAX_SESSION_NAME);
    String almost = longest.substring(0, longest.length() - 4) + "é☃😁";
    ServiceToken ofLongest = token(key("jwt-app", longest, SCOPE), EXPIRES, "longest");
    ServiceToken ofAlmost = token(key("jwt-app", almost, SCOPE), EXPIRES, "almost");

    tokens.putIfFresher(ofLongest);
    tokens.putIfFresher(ofAlmost);

    ServiceToken found = tokens.find(ofLongest.key()).orElseThrow();
    assertThat(found).isEqualTo(ofLongest);
    assertThat(found.key().sessionName()).isEqualTo(longest);
    assertThat(tokens.find(ofAlmost.key())).contains(ofAlmost);
  }

  // --- fixtures, for subclasses too ---

  protected static ServiceTokenKey key(String app, String sessionName, String scope) {
    return new ServiceTokenKey(new AppId(app), sessionName, scope);
  }

  /** A token for {@code key} whose sealed bytes are unique to {@code seed}. */
  protected static ServiceToken token(ServiceTokenKey key, Instant expireTime, String seed) {
    return new ServiceToken(key, SealedSecret.of(everyByteValue(seed)), expireTime, CREATED);
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

  @Test
  void keysWhosePartsJoinToTheSameTextStayApart() {
    ServiceTokenKey a = new ServiceTokenKey(new dev.cozegateway.domain.AppId("robot"), "x\ny", "");
    ServiceTokenKey b = new ServiceTokenKey(new dev.cozegateway.domain.AppId("robot"), "x", "y\n");

    org.assertj.core.api.Assertions.assertThat(a.id()).isNotEqualTo(b.id());
  }
}
