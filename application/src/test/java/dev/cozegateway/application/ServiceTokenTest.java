package dev.cozegateway.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.CozeRegion;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.testing.FakeCozeServiceTokens;
import dev.cozegateway.domain.testing.FakeSecretVault;
import dev.cozegateway.domain.testing.InMemoryRefreshLeases;
import dev.cozegateway.domain.testing.InMemoryServiceTokenStore;
import dev.cozegateway.domain.testing.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** JWT service apps' tokens: minted, cached per session, shared, and minted once at a time. */
class ServiceTokenTest {
  private static final AppId ROBOT = new AppId("robot");
  private static final Duration LIFETIME = Duration.ofSeconds(900);

  private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
  private final App robot =
      new App(
          ROBOT,
          AppType.JWT,
          CozeRegion.COZE_CN,
          "32345678901234567890123456789012.app.coze",
          null,
          "",
          null,
          Set.of(),
          Secret.of("-----BEGIN PRIVATE KEY-----\nnot used by the fake\n-----END PRIVATE KEY-----"),
          "kid-robot");
  private final App web =
      new App(
          new AppId("web"),
          AppType.WEB,
          CozeRegion.COZE_COM,
          "12345678901234567890123456789012.app.coze",
          Secret.of("s"),
          "env:S",
          URI.create("https://gw.example.com/oauth/callback"),
          Set.of());
  private final AppDirectory apps = new AppDirectory(List.of(robot, web));
  private final FakeCozeServiceTokens coze = new FakeCozeServiceTokens(clock).registerKey(robot);
  private final InMemoryServiceTokenStore store = new InMemoryServiceTokenStore();
  private final InMemoryRefreshLeases.Shared leaseState = new InMemoryRefreshLeases.Shared();
  private final GetServiceToken tokens = replica();
  private final ExecutorService pool = Executors.newFixedThreadPool(50);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private GetServiceToken replica() {
    return new ServiceTokenUseCases(
            apps,
            store,
            new InMemoryRefreshLeases(leaseState, clock),
            new FakeSecretVault(),
            coze,
            clock,
            GetAccessToken.DEFAULT_LEASE_TTL,
            LIFETIME)
        .getServiceToken();
  }

  private GetServiceToken.ServiceAccessToken get(String session) {
    return tokens.execute(new GetServiceToken.Command(ROBOT, session, null));
  }

  @Test
  void aTokenIsMintedOnceThenServedFromTheCacheUntilItRunsLow() {
    GetServiceToken.ServiceAccessToken first = get("user-1");
    GetServiceToken.ServiceAccessToken again = get("user-1");

    assertThat(first.token().reveal()).startsWith("czs_");
    assertThat(again.token()).isEqualTo(first.token());
    assertThat(first.expireTime()).isEqualTo(clock.instant().plus(LIFETIME));
    assertThat(coze.exchanges()).hasSize(1);
    assertThat(coze.exchanges().get(0).request().sessionName()).isEqualTo("user-1");

    clock.advance(LIFETIME.minus(GetAccessToken.DEFAULT_MIN_REMAINING).plusSeconds(1));
    GetServiceToken.ServiceAccessToken renewed = get("user-1");

    assertThat(renewed.token()).isNotEqualTo(first.token());
    assertThat(coze.exchanges()).hasSize(2);
  }

  @Test
  void eachSessionNameHasItsOwnToken() {
    Set<String> distinct = new HashSet<>();
    for (String session : List.of("", "user-1", "user-2", "用户-3")) {
      distinct.add(get(session).token().reveal());
    }

    assertThat(distinct).hasSize(4);
    assertThat(coze.exchanges()).hasSize(4);
  }

  @Test
  void fiftyConcurrentCallersOnTwoReplicasCauseOneMint() throws Exception {
    GetServiceToken other = replica();
    CountDownLatch go = new CountDownLatch(1);
    List<Future<GetServiceToken.ServiceAccessToken>> calls = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      GetServiceToken replica = i % 2 == 0 ? tokens : other;
      calls.add(
          pool.submit(
              () -> {
                go.await();
                return replica.execute(new GetServiceToken.Command(ROBOT, "user-1", null));
              }));
    }
    go.countDown();

    Set<String> seen = new HashSet<>();
    for (Future<GetServiceToken.ServiceAccessToken> call : calls) {
      seen.add(call.get(10, TimeUnit.SECONDS).token().reveal());
    }
    assertThat(seen).hasSize(1);
    assertThat(coze.exchanges()).hasSize(1);
  }

  @Test
  void onlyAJwtAppGetsServiceTokens() {
    assertThatThrownBy(() -> tokens.execute(new GetServiceToken.Command(web.id(), "user-1", null)))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.APP_TYPE_NOT_SUPPORTED));
  }

  @Test
  void aKeyCozeDoesNotKnowIsAConfigurationErrorNamingTheRegion() {
    FakeCozeServiceTokens unregistered = new FakeCozeServiceTokens(clock);
    GetServiceToken stranger =
        new ServiceTokenUseCases(
                apps,
                store,
                new InMemoryRefreshLeases(leaseState, clock),
                new FakeSecretVault(),
                unregistered,
                clock,
                GetAccessToken.DEFAULT_LEASE_TTL,
                LIFETIME)
            .getServiceToken();

    assertThatThrownBy(() -> stranger.execute(new GetServiceToken.Command(ROBOT, "u", null)))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED);
              assertThat(e.getMessage()).contains("coze.cn");
            });
  }

  @Test
  void aTokenIsSealedInTheStore() {
    GetServiceToken.ServiceAccessToken token = get("user-1");

    byte[] sealed = store.find(token.key()).orElseThrow().token().bytes();
    assertThat(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain(token.token().reveal());
  }
}
