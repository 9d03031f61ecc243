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
import dev.cozegateway.domain.testing.FakeCozeServiceTokens;
import dev.cozegateway.domain.testing.FakeSecretVault;
import dev.cozegateway.domain.testing.InMemoryRefreshLeases;
import dev.cozegateway.domain.testing.InMemoryServiceTokenStore;
import dev.cozegateway.domain.testing.MutableClock;
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
  private static final AppId ROBOT = AuthFixture.JWT_APP;
  private static final Duration LIFETIME = App.DEFAULT_TOKEN_LIFETIME;

  private final AuthFixture fx = new AuthFixture();
  private final MutableClock clock = fx.clock;
  private final App robot = fx.apps.require(ROBOT);
  private final App web = fx.apps.require(AuthFixture.WEB_APP);
  private final AppDirectory apps = fx.apps;
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
    return replica(apps, coze);
  }

  /** A replica sharing the store and leases, with its own app directory and Coze. */
  private GetServiceToken replica(AppDirectory directory, FakeCozeServiceTokens cozeOfReplica) {
    return new ServiceTokenUseCases(
            directory,
            store,
            new InMemoryRefreshLeases(leaseState, clock),
            new FakeSecretVault(),
            cozeOfReplica,
            clock,
            GetAccessToken.DEFAULT_LEASE_TTL)
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
    GetServiceToken stranger = replica(apps, unregistered);

    assertThatThrownBy(() -> stranger.execute(new GetServiceToken.Command(ROBOT, "u", null)))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED);
              assertThat(e.getMessage()).contains("coze.cn");
            });
  }

  @Test
  void anAppsOwnLifetimeAndAccountEndpointAreAskedFor() {
    App enterprise =
        new App(
            new AppId("enterprise-robot"),
            AppType.JWT,
            CozeRegion.COZE_CN,
            robot.clientId(),
            null,
            "",
            null,
            Set.of(),
            robot.privateKey(),
            robot.keyId(),
            Duration.ofHours(2),
            "7400000000000000001",
            "");
    coze.registerKey(enterprise);
    GetServiceToken tokens = replica(new AppDirectory(List.of(enterprise)), coze);

    GetServiceToken.ServiceAccessToken token =
        tokens.execute(new GetServiceToken.Command(enterprise.id(), "u", null));

    assertThat(token.expireTime()).isEqualTo(clock.instant().plus(Duration.ofHours(2)));
    assertThat(coze.exchanges().get(0).request().accountId()).isEqualTo("7400000000000000001");
    assertThat(coze.exchanges().get(0).request().duration()).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void aTokenIsSealedInTheStore() {
    GetServiceToken.ServiceAccessToken token = get("user-1");

    byte[] sealed = store.find(token.key()).orElseThrow().token().bytes();
    assertThat(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain(token.token().reveal());
  }
}
