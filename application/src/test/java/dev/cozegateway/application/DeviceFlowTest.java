package dev.cozegateway.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.testing.FakeCozeDeviceFlow;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The device flow: start, the polling sweep in every outcome, cancel and watch. */
class DeviceFlowTest {
  private final AuthFixture fx = new AuthFixture();
  private final FakeCozeDeviceFlow coze = new FakeCozeDeviceFlow(fx.clock);
  private final DeviceUseCases device = replica();
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private DeviceUseCases replica() {
    return new DeviceUseCases(
        fx.useCases,
        fx.apps,
        fx.authorizations,
        fx.connections,
        fx.vault,
        coze,
        fx.clock,
        new SecureRandom());
  }

  private Authorization start(String connectionId) {
    return start(connectionId, "", "");
  }

  private Authorization start(String connectionId, String workspaceId, String requestId) {
    return device
        .startDeviceAuthorization()
        .execute(
            new StartDeviceAuthorization.Command(
                AuthFixture.TENANT,
                AuthFixture.DEVICE_APP,
                AuthFixture.connection(connectionId),
                "user-tv",
                workspaceId,
                requestId));
  }

  private Authorization stored(Authorization authorization) {
    return fx.authorizations.find(authorization.name()).orElseThrow();
  }

  /** Lets the next poll come due, then sweeps. */
  private DevicePollSweep.Report sweepWhenDue(Authorization authorization) {
    fx.clock.advance(
        Duration.between(fx.clock.instant(), stored(authorization).device().nextPollTime()));
    return device.pollSweep().execute();
  }

  @Test
  void startingRecordsAPendingAuthorizationWithTheCodesAndTheDeviceCodeSealed() {
    Authorization started = start("tv", "7300000000000000001", "");

    assertThat(started.state()).isEqualTo(AuthorizationState.PENDING);
    assertThat(started.device().userCode()).startsWith("FAKE-");
    assertThat(started.device().verificationUriComplete().toString())
        .startsWith(started.device().verificationUri().toString())
        .endsWith("user_code=" + started.device().userCode());
    assertThat(started.device().interval()).isEqualTo(FakeCozeDeviceFlow.INTERVAL);
    assertThat(started.device().nextPollTime())
        .isEqualTo(fx.clock.instant().plus(FakeCozeDeviceFlow.INTERVAL));
    assertThat(started.expireTime())
        .isEqualTo(fx.clock.instant().plus(FakeCozeDeviceFlow.EXPIRES_IN));
    assertThat(coze.workspaceOf(started.device().userCode())).contains("7300000000000000001");
    assertThat(new String(started.secrets().bytes(), StandardCharsets.ISO_8859_1))
        .as("the device code is sealed")
        .doesNotContain("dc_");
    assertThat(stored(started)).isEqualTo(started);
    assertThat(fx.useCases.getAuthorization().execute(started.name()).authorizeUri())
        .as("a device authorization has no browser authorize URI")
        .isNull();
  }

  @Test
  void approvalCreatesTheConnectionAndCompletesTheAuthorization() {
    Authorization started = start("tv");
    assertThat(sweepWhenDue(started)).isEqualTo(new DevicePollSweep.Report(1, 0, 0));
    assertThat(stored(started).state()).isEqualTo(AuthorizationState.PENDING);

    coze.approve(started.device().userCode());
    DevicePollSweep.Report report = sweepWhenDue(started);

    assertThat(report).isEqualTo(new DevicePollSweep.Report(1, 1, 0));
    assertThat(stored(started).state()).isEqualTo(AuthorizationState.COMPLETED);
    assertThat(stored(started).secrets()).isEqualTo(Authorization.NO_SECRETS);
    Connection connection = fx.connections.find(AuthFixture.connection("tv")).orElseThrow();
    assertThat(connection.state()).isEqualTo(ConnectionState.ACTIVE);
    assertThat(connection.app()).isEqualTo(AuthFixture.DEVICE_APP);
    assertThat(connection.subject()).isEqualTo("user-tv");
    Secret token =
        fx.useCases
            .getAccessToken()
            .execute(new GetAccessToken.Command(connection.name(), null))
            .token();
    assertThat(token.reveal()).isNotEmpty();
    assertThat(sweepWhenDueOrNow())
        .as("nothing is due any more")
        .isEqualTo(new DevicePollSweep.Report(0, 0, 0));
  }

  private DevicePollSweep.Report sweepWhenDueOrNow() {
    fx.clock.advance(Duration.ofMinutes(1));
    return device.pollSweep().execute();
  }

  @Test
  void denialEndsTheAuthorizationDenied() {
    Authorization started = start("tv");
    coze.deny(started.device().userCode());

    assertThat(sweepWhenDue(started).ended()).isEqualTo(1);

    Authorization denied = stored(started);
    assertThat(denied.state()).isEqualTo(AuthorizationState.DENIED);
    assertThat(denied.error().reason()).isEqualTo(Reason.AUTHORIZATION_DENIED.name());
    assertThat(fx.connections.find(AuthFixture.connection("tv"))).isEmpty();
  }

  @Test
  void theCodesLifetimeEndsTheAuthorizationExpired() {
    Authorization started = start("tv");
    fx.clock.advance(FakeCozeDeviceFlow.EXPIRES_IN);

    DevicePollSweep.Report report = device.pollSweep().execute();

    assertThat(report.ended()).isEqualTo(1);
    assertThat(report.polled()).as("an expired code is not polled").isZero();
    assertThat(stored(started).state()).isEqualTo(AuthorizationState.EXPIRED);
  }

  @Test
  void slowDownAddsFiveSecondsToTheInterval() {
    Authorization started = start("tv");
    // Another client polled with the same code a moment ago, so Coze answers slow_down.
    fx.clock.advance(FakeCozeDeviceFlow.INTERVAL);
    coze.pollDeviceToken(fx.apps.require(AuthFixture.DEVICE_APP), deviceCodeOf(stored(started)));

    device.pollSweep().execute();

    Authorization slowed = stored(started);
    assertThat(slowed.device().interval()).isEqualTo(FakeCozeDeviceFlow.INTERVAL.plusSeconds(5));
    assertThat(slowed.device().nextPollTime()).isEqualTo(fx.clock.instant().plusSeconds(10));
    assertThat(slowed.state()).isEqualTo(AuthorizationState.PENDING);
  }

  private Secret deviceCodeOf(Authorization authorization) {
    return SecretCodec.decodeDeviceCode(
        fx.vault.open(authorization.secrets(), Authorization.secretsContext(authorization.name())));
  }

  @Test
  void replicasSweepingTogetherPollEachDueAuthorizationOnce() throws Exception {
    List<Authorization> started = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      started.add(start("tv-" + i));
    }
    fx.clock.advance(FakeCozeDeviceFlow.INTERVAL);
    DeviceUseCases other = replica();

    Future<DevicePollSweep.Report> a = pool.submit(() -> device.pollSweep().execute());
    Future<DevicePollSweep.Report> b = pool.submit(() -> other.pollSweep().execute());
    int polled = a.get(10, TimeUnit.SECONDS).polled() + b.get(10, TimeUnit.SECONDS).polled();

    assertThat(polled).isEqualTo(10);
    assertThat(coze.polls()).isEqualTo(10);
    for (Authorization authorization : started) {
      assertThat(stored(authorization).device().polls()).isEqualTo(1);
    }
  }

  @Test
  void aCancelledAuthorizationIsPolledNoMore() {
    Authorization started = start("tv");

    Authorization cancelled = device.cancelAuthorization().execute(started.name());
    fx.clock.advance(Duration.ofMinutes(1));
    DevicePollSweep.Report report = device.pollSweep().execute();

    assertThat(cancelled.state()).isEqualTo(AuthorizationState.CANCELLED);
    assertThat(report.polled()).isZero();
    assertThat(coze.polls()).isZero();
    assertThatThrownBy(() -> device.cancelAuthorization().execute(started.name()))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.AUTHORIZATION_NOT_PENDING));
  }

  @Test
  void watchingSendsTheCurrentStateThenTheOutcomeAndEnds() throws Exception {
    Authorization started = start("tv");
    List<AuthorizationState> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    Future<?> watching =
        pool.submit(
            () ->
                device
                    .watchAuthorization()
                    .execute(
                        started.name(),
                        details -> seen.add(details.authorization().state()),
                        () -> false));
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (seen.isEmpty() && System.nanoTime() < giveUp) {
      Thread.onSpinWait();
    }

    coze.approve(started.device().userCode());
    sweepWhenDue(started);

    watching.get(5, TimeUnit.SECONDS);
    assertThat(seen).containsExactly(AuthorizationState.PENDING, AuthorizationState.COMPLETED);
  }

  @Test
  void onlyADeviceAppCanStartAndTheWorkspaceIdIsChecked() {
    assertThatThrownBy(
            () ->
                device
                    .startDeviceAuthorization()
                    .execute(
                        new StartDeviceAuthorization.Command(
                            AuthFixture.TENANT,
                            AuthFixture.WEB_APP,
                            AuthFixture.connection("tv"),
                            "user-tv",
                            "",
                            "")))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.APP_TYPE_NOT_SUPPORTED));
    assertThatThrownBy(() -> start("tv", "ws-1", ""))
        .isInstanceOfSatisfying(
            GatewayException.InvalidArgument.class,
            e -> assertThat(e.violations().get(0).field()).isEqualTo("workspace_id"));
  }

  @Test
  void theSameRequestIdReturnsTheSameAuthorizationWithoutAskingCozeAgain() {
    Authorization first = start("tv", "", "req-1");
    Authorization again = start("tv", "", "req-1");

    assertThat(again.name()).isEqualTo(first.name());
    assertThat(again.device().userCode()).isEqualTo(first.device().userCode());
    assertThatThrownBy(() -> start("other", "", "req-1"))
        .isInstanceOfSatisfying(
            GatewayException.AlreadyExists.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.REQUEST_ID_CONFLICT));
  }

  @Test
  void aConnectionNameOfTheDeviceFlowCanBeReused() {
    ConnectionName name = AuthFixture.connection("tv");
    Authorization first = start("tv");
    coze.approve(first.device().userCode());
    sweepWhenDue(first);
    long version = fx.connections.find(name).orElseThrow().version();

    Authorization second = start("tv");
    coze.approve(second.device().userCode());
    sweepWhenDue(second);

    assertThat(fx.connections.find(name).orElseThrow().version()).isGreaterThan(version);
  }

  @Test
  void anApprovalIsStoredThroughAShortStoreOutage() {
    FlakyConnectionStore flaky = new FlakyConnectionStore(fx.connections);
    DeviceUseCases overFlakyStore =
        new DeviceUseCases(
            fx.useCases,
            fx.apps,
            fx.authorizations,
            flaky,
            fx.vault,
            coze,
            fx.clock,
            new SecureRandom());
    Authorization started = start("tv");
    coze.approve(started.device().userCode());
    flaky.failNextWrites(3);
    fx.clock.advance(FakeCozeDeviceFlow.INTERVAL);

    DevicePollSweep.Report report = overFlakyStore.pollSweep().execute();

    assertThat(report.completed()).isEqualTo(1);
    assertThat(flaky.refusedWrites()).isEqualTo(3);
    assertThat(stored(started).state()).isEqualTo(AuthorizationState.COMPLETED);
    assertThat(fx.connections.find(AuthFixture.connection("tv")).orElseThrow().state())
        .isEqualTo(ConnectionState.ACTIVE);
  }
}
