package dev.cozegateway.bootstrap;

import static dev.cozegateway.bootstrap.EndToEnd.badRequestFields;
import static dev.cozegateway.bootstrap.EndToEnd.catchStatus;
import static dev.cozegateway.bootstrap.EndToEnd.errorInfo;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cozegateway.adapters.vault.KeyRing;
import dev.cozegateway.api.v1.AccessToken;
import dev.cozegateway.api.v1.AuthServiceGrpc;
import dev.cozegateway.api.v1.Authorization;
import dev.cozegateway.api.v1.CancelAuthorizationRequest;
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.api.v1.GetAccessTokenRequest;
import dev.cozegateway.api.v1.GetAuthorizationRequest;
import dev.cozegateway.api.v1.GetConnectionRequest;
import dev.cozegateway.api.v1.StartAuthorizationRequest;
import dev.cozegateway.api.v1.StartDeviceAuthorizationRequest;
import dev.cozegateway.api.v1.WatchAuthorizationRequest;
import dev.cozegateway.bootstrap.config.ConfigSource;
import dev.cozegateway.bootstrap.config.GatewayConfig;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.DeviceCodeInfo;
import dev.cozegateway.sandbox.SandboxConfig;
import dev.cozegateway.sandbox.SandboxStats;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.LoggerFactory;

/**
 * The device flow end to end: one gateway as {@code serve} runs it (Netty gRPC, the embedded store,
 * the Coze HTTP adapter) against the Coze sandbox over loopback HTTP, driven through a real gRPC
 * channel. The sandbox asks for a 1 s poll interval and the gateway's background sweep looks for
 * due polls every 50 ms, so a poll follows about a second after the previous one; where a test
 * needs a longer gap (after {@code slow_down}, or past a code's lifetime) it advances the sandbox
 * clock, which the gateway shares. Each test proves one item of the "Done when" list and
 * prints one {@code [device-e2e]} line with the figures it checked. The tests share the gateway
 * (and its logs and spans, which the last test searches for secrets), and run in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeviceFlowEndToEndTest {
  private static final String TENANT = SandboxWiring.TENANT;
  private static final String DEVICE_APP = "apps/" + SandboxWiring.DEVICE_APP;
  private static final Duration POLL_INTERVAL = Duration.ofSeconds(1);
  private static final Duration CODE_LIFETIME = SandboxConfig.DEFAULT_DEVICE_CODE_LIFETIME;
  private static final Duration SLOW_DOWN_STEP = Duration.ofSeconds(5);
  private static final Duration WAIT = EndToEnd.WAIT;

  private Path dataDir;
  private final KeyRing keyRing = KeyRing.parse(KeyRing.generateKeyLine("k1"), null);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  // Each gateway owns (and on close shuts down) its telemetry, so each start gets a new exporter,
  // and what it recorded is kept here before the gateway closes.
  private InMemorySpanExporter spans;
  private final List<SpanData> recordedSpans = new ArrayList<>();
  private final Set<String> accessTokens = new HashSet<>();
  private int httpPort;
  private CozeSandbox sandbox;
  private Gateway gateway;
  private ManagedChannel channel;
  private AuthServiceGrpc.AuthServiceBlockingStub auth;

  @BeforeAll
  void start() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ((Logger) LoggerFactory.getLogger("dev.cozegateway")).setLevel(Level.DEBUG);
    logs.start();
    root.addAppender(logs);
    dataDir = Files.createTempDirectory("device-e2e");
    httpPort = SandboxWiring.freePort();
    sandbox =
        CozeSandbox.start(
            SandboxConfig.demo(0, List.of(SandboxWiring.callbackUri(httpPort)))
                .withDevicePollInterval(POLL_INTERVAL)
                .withDeviceCodeLifetime(CODE_LIFETIME));
    startGateway();
  }

  @AfterAll
  void stop() throws Exception {
    if (gateway != null) {
      stopGateway();
    }
    sandbox.close();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    try (var files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private void startGateway() {
    var tree = SandboxWiring.configTree(sandbox, keyRing, 0, httpPort, dataDir);
    // Only GetAccessToken refreshes, so the sandbox's redemption count is this test's doing.
    tree.putObject("refresh").put("sweep-enabled", "false");
    tree.putObject("workflows").put("sweep-interval", "50ms");
    GatewayConfig config = GatewayConfig.from(ConfigSource.of(tree, Map.of()));
    spans = InMemorySpanExporter.create();
    OpenTelemetrySdk otel =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .build();
    gateway = Gateway.start(config, keyRing, Map.of(), sandbox.clock(), Telemetry.wrap(otel));
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();
    auth = AuthServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private void stopGateway() {
    channel.shutdownNow();
    recordedSpans.addAll(spans.getFinishedSpanItems());
    gateway.close();
    gateway = null;
  }

  // ---- 1. approve ----

  @Test
  @Order(1)
  void approvedAuthorizationCompletesWithAUsableRefreshableToken() {
    Authorization started = startDevice("dora", "");
    assertThat(started.getState()).isEqualTo(Authorization.State.PENDING);
    assertThat(started.getName()).startsWith(TENANT + "/authorizations/");
    assertThat(started.getApp()).isEqualTo(DEVICE_APP);
    assertThat(started.getConnection()).isEqualTo(TENANT + "/connections/dora");
    Authorization.DeviceCode device = started.getDevice();
    assertThat(device.getUserCode()).isNotEmpty();
    assertThat(device.getVerificationUri()).isEqualTo(sandbox.baseUrl() + "/oauth/device");
    assertThat(device.getVerificationUriComplete())
        .startsWith(device.getVerificationUri())
        .contains(device.getUserCode());
    assertThat(seconds(device.getInterval())).isEqualTo(POLL_INTERVAL.toSeconds());
    assertThat(started.getExpireTime().getSeconds() - started.getCreateTime().getSeconds())
        .isEqualTo(CODE_LIFETIME.toSeconds());
    Watch watch = watch(started.getName());

    // The end user approves after the gateway has polled once (and heard authorization_pending).
    awaitPolls(device.getUserCode(), 1);
    sandbox.approveDevice(device.getUserCode());
    List<Authorization> views = watch.awaitEnd();

    assertThat(views)
        .extracting(Authorization::getState)
        .containsExactly(Authorization.State.PENDING, Authorization.State.COMPLETED);
    DeviceCodeInfo info = deviceCode(device.getUserCode());
    assertThat(info.state()).isEqualTo(DeviceCodeInfo.REDEEMED);
    assertThat(info.polls()).hasSizeGreaterThanOrEqualTo(2);
    assertThat(get(started.getName()).getState()).isEqualTo(Authorization.State.COMPLETED);
    Connection connection = connection(started.getConnection());
    assertThat(connection.getState()).isEqualTo(Connection.State.ACTIVE);
    assertThat(connection.getApp()).isEqualTo(DEVICE_APP);
    assertThat(connection.getSubject()).isEqualTo("subject-dora");
    AccessToken first = accessToken(started.getConnection());
    boolean firstValid = sandbox.isAccessTokenValid(first.getAccessToken());
    assertThat(firstValid).isTrue();

    // The token expires at the sandbox; GetAccessToken refreshes it (a device app has no secret).
    SandboxStats before = sandbox.stats();
    sandbox.clock().advance(SandboxConfig.DEFAULT_ACCESS_TOKEN_LIFETIME.plusSeconds(1));
    assertThat(sandbox.isAccessTokenValid(first.getAccessToken())).isFalse();
    AccessToken second = accessToken(started.getConnection());
    SandboxStats after = sandbox.stats();
    assertThat(second.getAccessToken()).isNotEqualTo(first.getAccessToken());
    assertThat(sandbox.isAccessTokenValid(second.getAccessToken())).isTrue();
    assertThat(after.refreshRedemptions() - before.refreshRedemptions()).isEqualTo(1);
    assertThat(after.refreshRejections() - before.refreshRejections()).isZero();
    assertThat(connection(started.getConnection()).getState()).isEqualTo(Connection.State.ACTIVE);
    report(
        "approve: Watch streamed %s; %d polls, sandbox code %s; %s %s; token valid at the"
            + " sandbox %b; +%d s -> GetAccessToken refreshed: new token valid %b, redemptions"
            + " +%d, rejections +%d",
        views.stream().map(Authorization::getState).toList(),
        info.polls().size(),
        info.state(),
        connection.getName(),
        connection.getState(),
        firstValid,
        SandboxConfig.DEFAULT_ACCESS_TOKEN_LIFETIME.plusSeconds(1).toSeconds(),
        sandbox.isAccessTokenValid(second.getAccessToken()),
        after.refreshRedemptions() - before.refreshRedemptions(),
        after.refreshRejections() - before.refreshRejections());
  }

  // ---- 2. deny ----

  @Test
  @Order(2)
  void deniedAuthorizationEndsDeniedWithoutAConnection() {
    Authorization started = startDevice("dan", "");
    Watch watch = watch(started.getName());
    sandbox.denyDevice(started.getDevice().getUserCode());

    List<Authorization> views = watch.awaitEnd();
    assertThat(views)
        .extracting(Authorization::getState)
        .containsExactly(Authorization.State.PENDING, Authorization.State.DENIED);
    Authorization denied = get(started.getName());
    assertThat(denied.getState()).isEqualTo(Authorization.State.DENIED);
    assertThat(denied.getError().getReason()).isEqualTo("AUTHORIZATION_DENIED");
    assertThat(views.get(1).getError()).isEqualTo(denied.getError());
    StatusRuntimeException missing = catchStatus(() -> connection(started.getConnection()));
    assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    int polls = deviceCode(started.getDevice().getUserCode()).polls().size();
    report(
        "deny: Watch streamed %s, error %s (\"%s\"), after %d poll(s); GetConnection %s -> %s",
        views.stream().map(Authorization::getState).toList(),
        denied.getError().getReason(),
        denied.getError().getMessage(),
        polls,
        started.getConnection(),
        missing.getStatus().getCode());
  }

  // ---- 3. expiry ----

  @Test
  @Order(3)
  void unapprovedCodesEndExpired() {
    Authorization started = startDevice("eve", "");
    Watch watch = watch(started.getName());
    awaitPolls(started.getDevice().getUserCode(), 1);

    sandbox.clock().advance(CODE_LIFETIME.plusSeconds(1));
    List<Authorization> views = watch.awaitEnd();
    assertThat(views)
        .extracting(Authorization::getState)
        .containsExactly(Authorization.State.PENDING, Authorization.State.EXPIRED);
    assertThat(get(started.getName()).getState()).isEqualTo(Authorization.State.EXPIRED);
    assertThat(sandbox.clock().instant().getEpochSecond())
        .isGreaterThanOrEqualTo(started.getExpireTime().getSeconds());
    DeviceCodeInfo info = deviceCode(started.getDevice().getUserCode());
    assertThat(info.state()).isEqualTo(DeviceCodeInfo.EXPIRED);
    StatusRuntimeException missing = catchStatus(() -> connection(started.getConnection()));
    assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    report(
        "expiry: sandbox clock +%d s past the %d s lifetime -> Watch streamed %s; sandbox code %s"
            + " after %d poll(s); no connection (%s)",
        CODE_LIFETIME.plusSeconds(1).toSeconds(),
        CODE_LIFETIME.toSeconds(),
        views.stream().map(Authorization::getState).toList(),
        info.state(),
        info.polls().size(),
        missing.getStatus().getCode());
  }

  // ---- 4. slow_down ----

  @Test
  @Order(4)
  void slowDownMakesThePollIntervalGrow() {
    Authorization started = startDevice("sid", "");
    String userCode = started.getDevice().getUserCode();
    String name = started.getName();
    sandbox.forceDeviceSlowDown(userCode, 2);
    Watch watch = watch(name);

    // Poll 1, a second in: slow_down, so the interval becomes 1 + 5 s. Once the watch has shown
    // that (it reads the store every 200 ms, so a shorter-lived view would be merged into the
    // next), the clock is moved by the new interval so the next poll is due at once.
    Duration second = POLL_INTERVAL.plus(SLOW_DOWN_STEP);
    awaitInterval(watch, second);
    assertThat(deviceCode(userCode).polls()).hasSize(1);
    sandbox.clock().advance(second);
    // Poll 2: slow_down again, 6 + 5 s.
    Duration third = second.plus(SLOW_DOWN_STEP);
    awaitInterval(watch, third);
    assertThat(deviceCode(userCode).polls()).hasSize(2);
    sandbox.clock().advance(third);
    // Poll 3: no longer forced, and spaced well beyond the sandbox's 1 s: authorization_pending.
    awaitPolls(userCode, 3);
    assertThat(get(name).getDevice().getInterval()).isEqualTo(protoSeconds(third));

    List<Instant> polls = sandbox.devicePolls(deviceCode(userCode).deviceCode());
    Duration gap1 = Duration.between(polls.get(0), polls.get(1));
    Duration gap2 = Duration.between(polls.get(1), polls.get(2));
    assertThat(gap1).isGreaterThanOrEqualTo(second);
    assertThat(gap2).isGreaterThanOrEqualTo(third);
    cancel(name);
    List<Authorization> views = watch.awaitEnd();
    List<Long> intervals =
        views.stream().map(view -> seconds(view.getDevice().getInterval())).distinct().toList();
    assertThat(intervals).containsExactly(1L, 6L, 11L);
    assertThat(views)
        .last()
        .extracting(Authorization::getState)
        .isEqualTo(Authorization.State.CANCELLED);
    report(
        "slow_down: 2 forced; device.interval %s s (Watch); sandbox poll gaps %.3f s (>= %d)"
            + " and %.3f s (>= %d); poll 3 answered authorization_pending; then cancelled",
        intervals,
        gap1.toMillis() / 1000.0,
        second.toSeconds(),
        gap2.toMillis() / 1000.0,
        third.toSeconds());
  }

  // ---- 5. restart mid-poll ----

  @Test
  @Order(5)
  void aFlowStartedBeforeARestartCompletesAfterIt() {
    Authorization started = startDevice("rita", "");
    String userCode = started.getDevice().getUserCode();
    // Another client watches it over its own connection, which stays open through the restart.
    ManagedChannel watcher =
        NettyChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();
    try {
      Watch cutOff = watch(watcher, started.getName());
      awaitPolls(userCode, 1);
      EndToEnd.awaitTrue(() -> !cutOff.views.isEmpty(), "the watch shows the authorization");
      long closing = System.nanoTime();
      stopGateway();
      Duration closed = Duration.ofNanos(System.nanoTime() - closing);
      Status watchEnd = Status.fromThrowable(cutOff.awaitError());
      int pollsWhileDown = deviceCode(userCode).polls().size();
      sandbox.approveDevice(userCode);

      startGateway();
      List<Authorization> views = watch(started.getName()).awaitEnd();
      assertThat(views)
          .last()
          .extracting(Authorization::getState)
          .isEqualTo(Authorization.State.COMPLETED);
      Connection connection = connection(started.getConnection());
      assertThat(connection.getState()).isEqualTo(Connection.State.ACTIVE);
      String token = accessToken(started.getConnection()).getAccessToken();
      boolean valid = sandbox.isAccessTokenValid(token);
      assertThat(valid).isTrue();
      DeviceCodeInfo info = deviceCode(userCode);
      assertThat(info.state()).isEqualTo(DeviceCodeInfo.REDEEMED);
      assertThat(info.polls().size()).isGreaterThan(pollsWhileDown);
      // An open watch neither holds the drain nor ends as if the authorization had: the client is
      // told to retry (UNAVAILABLE), and watches again.
      assertThat(watchEnd.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(closed).isLessThan(Duration.ofSeconds(5));
      report(
          "restart mid-poll: %d poll(s) by the first gateway; closed in %d ms with a watch open"
              + " (it ended %s); approved; restarted on the same data dir -> %d more poll(s) ->"
              + " Watch %s; %s %s, token valid %b",
          pollsWhileDown,
          closed.toMillis(),
          watchEnd.getCode(),
          info.polls().size() - pollsWhileDown,
          views.stream().map(Authorization::getState).toList(),
          connection.getName(),
          connection.getState(),
          valid);
    } finally {
      watcher.shutdownNow();
    }
  }

  // ---- 6. cancel ----

  @Test
  @Order(6)
  void cancelledAuthorizationIsPolledNoMore() {
    Authorization started = startDevice("carl", "");
    String userCode = started.getDevice().getUserCode();
    // A second authorization, polled by the same sweep, shows when the sweep has run again.
    Authorization control = startDevice("carla", "");
    String controlCode = control.getDevice().getUserCode();
    Watch watch = watch(started.getName());

    // Cancel just after a poll: the next is a full interval away, so none is in flight.
    awaitPolls(userCode, 1);
    Authorization cancelled = cancel(started.getName());
    Instant cancelledAt = pollClock();
    assertThat(cancelled.getState()).isEqualTo(Authorization.State.CANCELLED);
    assertThat(watch.awaitEnd())
        .last()
        .extracting(Authorization::getState)
        .isEqualTo(Authorization.State.CANCELLED);
    assertThat(get(started.getName()).getState()).isEqualTo(Authorization.State.CANCELLED);
    int pollsAtCancel = deviceCode(userCode).polls().size();

    // Two more sweeps that poll the control, each with the clock moved so both would be due.
    int controlPolls = deviceCode(controlCode).polls().size();
    for (int i = 1; i <= 2; i++) {
      sandbox.clock().advance(POLL_INTERVAL.plusSeconds(1));
      awaitPolls(controlCode, controlPolls + i);
    }
    DeviceCodeInfo info = deviceCode(userCode);
    assertThat(info.polls()).hasSize(pollsAtCancel);
    assertThat(info.polls()).allMatch(poll -> poll.isBefore(cancelledAt));
    StatusRuntimeException again = catchStatus(() -> cancel(started.getName()));
    assertThat(again.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(errorInfo(again).getReason()).isEqualTo("AUTHORIZATION_NOT_PENDING");
    StatusRuntimeException missing = catchStatus(() -> connection(started.getConnection()));
    assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    cancel(control.getName());
    report(
        "cancel: %s after %d poll(s); the sweep then polled the control %d more times and the"
            + " cancelled code 0 times (sandbox: %d polls, all before the cancel); cancelling"
            + " again -> %s %s",
        cancelled.getState(),
        pollsAtCancel,
        deviceCode(controlCode).polls().size() - controlPolls,
        info.polls().size(),
        again.getStatus().getCode(),
        errorInfo(again).getReason());
  }

  // ---- 7. workspace ----

  @Test
  @Order(7)
  void aWorkspaceScopedCodeReachesTheSandbox() {
    String workspace = "7484523878849822754";
    int codesBefore = sandbox.deviceCodes().size();
    String requestId = "5f0c2f7e-8a4e-4c55-9d0e-0d7c1b2a3e4f";
    Authorization started =
        auth.startDeviceAuthorization(request("wendy", workspace).setRequestId(requestId).build());
    // A retry with the same request_id returns the same authorization and asks Coze for nothing.
    Authorization retried =
        auth.startDeviceAuthorization(request("wendy", workspace).setRequestId(requestId).build());
    assertThat(retried.getName()).isEqualTo(started.getName());
    assertThat(retried.getDevice().getUserCode()).isEqualTo(started.getDevice().getUserCode());
    assertThat(sandbox.deviceCodes()).hasSize(codesBefore + 1);
    assertThat(started.getDevice().getWorkspaceId()).isEqualTo(workspace);
    DeviceCodeInfo info = deviceCode(started.getDevice().getUserCode());
    assertThat(info.workspaceId()).isEqualTo(workspace);
    assertThat(info.clientId()).isEqualTo(SandboxConfig.DEMO_DEVICE_CLIENT_ID);
    Watch watch = watch(started.getName());
    sandbox.approveDevice(started.getDevice().getUserCode());
    assertThat(watch.awaitEnd())
        .last()
        .extracting(Authorization::getState)
        .isEqualTo(Authorization.State.COMPLETED);
    assertThat(get(started.getName()).getDevice().getWorkspaceId()).isEqualTo(workspace);
    assertThat(connection(started.getConnection()).getState()).isEqualTo(Connection.State.ACTIVE);
    report(
        "workspace: workspace_id %s -> sandbox DeviceCodeInfo.workspaceId %s (client %s);"
            + " device.workspace_id %s; approved -> COMPLETED; a retry with the same request_id"
            + " -> the same authorization, %d device code requested",
        workspace,
        info.workspaceId(),
        info.clientId(),
        started.getDevice().getWorkspaceId(),
        sandbox.deviceCodes().size() - codesBefore);
  }

  // ---- 8. bad input ----

  @Test
  @Order(8)
  void badInputIsRefusedNamingTheProblem() {
    int codesBefore = sandbox.deviceCodes().size();
    StatusRuntimeException web =
        catchStatus(
            () ->
                auth.startDeviceAuthorization(
                    request("web-user", "").setApp("apps/" + SandboxWiring.WEB_APP).build()));
    assertThat(web.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(errorInfo(web).getReason()).isEqualTo("APP_TYPE_NOT_SUPPORTED");
    assertThat(errorInfo(web).getMetadataMap()).containsEntry("app_type", "WEB");
    StatusRuntimeException pkce =
        catchStatus(
            () ->
                auth.startDeviceAuthorization(
                    request("pkce-user", "").setApp("apps/" + SandboxWiring.PKCE_APP).build()));
    assertThat(pkce.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(errorInfo(pkce).getReason()).isEqualTo("APP_TYPE_NOT_SUPPORTED");

    StatusRuntimeException browserFlow =
        catchStatus(
            () ->
                auth.startAuthorization(
                    StartAuthorizationRequest.newBuilder()
                        .setParent(TENANT)
                        .setApp(DEVICE_APP)
                        .setConnectionId("tv-user")
                        .setSubject("subject-tv-user")
                        .build()));
    assertThat(browserFlow.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(errorInfo(browserFlow).getReason()).isEqualTo("APP_TYPE_NOT_SUPPORTED");

    StatusRuntimeException malformed =
        catchStatus(
            () ->
                auth.startDeviceAuthorization(
                    StartDeviceAuthorizationRequest.newBuilder()
                        .setParent("demo")
                        .setApp(SandboxWiring.DEVICE_APP)
                        .setConnectionId("Not_An_Id")
                        .build()));
    assertThat(malformed.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(badRequestFields(malformed))
        .containsExactlyInAnyOrder("parent", "app", "connection_id", "subject");
    StatusRuntimeException workspace =
        catchStatus(() -> auth.startDeviceAuthorization(request("wanda", "ws-1").build()));
    assertThat(workspace.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(badRequestFields(workspace)).containsExactly("workspace_id");
    StatusRuntimeException unknownApp =
        catchStatus(
            () -> auth.startDeviceAuthorization(request("uma", "").setApp("apps/nope").build()));
    assertThat(unknownApp.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    StatusRuntimeException watchName =
        catchStatus(
            () ->
                auth.watchAuthorization(
                        WatchAuthorizationRequest.newBuilder().setName("authorizations/x").build())
                    .hasNext());
    assertThat(watchName.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(badRequestFields(watchName)).containsExactly("name");
    StatusRuntimeException cancelUnknown =
        catchStatus(() -> cancel(TENANT + "/authorizations/nope"));
    assertThat(cancelUnknown.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(sandbox.deviceCodes()).as("no device code was requested").hasSize(codesBefore);
    report(
        "bad input: WEB app -> %s %s (app_type %s); PKCE app -> %s %s; the DEVICE app in"
            + " StartAuthorization -> %s %s; malformed -> %s fields %s;"
            + " workspace_id \"ws-1\" -> %s %s; apps/nope -> %s; Watch(\"authorizations/x\") ->"
            + " %s %s; Cancel(unknown) -> %s; no device code requested",
        web.getStatus().getCode(),
        errorInfo(web).getReason(),
        errorInfo(web).getMetadataMap().get("app_type"),
        pkce.getStatus().getCode(),
        errorInfo(pkce).getReason(),
        browserFlow.getStatus().getCode(),
        errorInfo(browserFlow).getReason(),
        malformed.getStatus().getCode(),
        badRequestFields(malformed),
        workspace.getStatus().getCode(),
        badRequestFields(workspace),
        unknownApp.getStatus().getCode(),
        watchName.getStatus().getCode(),
        badRequestFields(watchName),
        cancelUnknown.getStatus().getCode());
  }

  // ---- 9. secrets ----

  @Test
  @Order(100)
  void noDeviceCodeOrTokenReachesTheLogsOrSpans() {
    recordedSpans.addAll(spans.getFinishedSpanItems());
    List<String> secrets = new ArrayList<>(accessTokens);
    sandbox.deviceCodes().forEach(code -> secrets.add(code.deviceCode()));
    sandbox.refreshTokens().forEach(token -> secrets.add(token.refreshToken()));
    int deviceCodes = sandbox.deviceCodes().size();
    int refreshTokens = sandbox.refreshTokens().size();
    assertThat(deviceCodes).isGreaterThanOrEqualTo(7);
    assertThat(refreshTokens).isGreaterThanOrEqualTo(3);

    assertThat(recordedSpans)
        .anyMatch(s -> s.getName().equals("coze.gateway.v1.AuthService/StartDeviceAuthorization"))
        .anyMatch(s -> s.getName().equals("coze.gateway.v1.AuthService/WatchAuthorization"))
        .anyMatch(s -> s.getKind() == SpanKind.CLIENT);
    EndToEnd.assertNoSecrets(logs.list, recordedSpans, secrets);
    report(
        "secrets: %d log events and %d spans hold none of %d device codes, %d access tokens and"
            + " %d refresh tokens (nor any czu_ token)",
        logs.list.size(), recordedSpans.size(), deviceCodes, accessTokens.size(), refreshTokens);
  }

  // ---- helpers ----

  private static void report(String format, Object... args) {
    System.out.println("[device-e2e] " + String.format(format, args));
  }

  private static StartDeviceAuthorizationRequest.Builder request(
      String connectionId, String workspaceId) {
    return StartDeviceAuthorizationRequest.newBuilder()
        .setParent(TENANT)
        .setApp(DEVICE_APP)
        .setConnectionId(connectionId)
        .setSubject("subject-" + connectionId)
        .setWorkspaceId(workspaceId);
  }

  private Authorization startDevice(String connectionId, String workspaceId) {
    return auth.startDeviceAuthorization(request(connectionId, workspaceId).build());
  }

  private Authorization get(String name) {
    return auth.getAuthorization(GetAuthorizationRequest.newBuilder().setName(name).build());
  }

  private Authorization cancel(String name) {
    return auth.cancelAuthorization(CancelAuthorizationRequest.newBuilder().setName(name).build());
  }

  private Connection connection(String name) {
    return auth.getConnection(GetConnectionRequest.newBuilder().setName(name).build());
  }

  private AccessToken accessToken(String connection) {
    AccessToken token =
        auth.getAccessToken(GetAccessTokenRequest.newBuilder().setConnection(connection).build());
    accessTokens.add(token.getAccessToken());
    return token;
  }

  private DeviceCodeInfo deviceCode(String userCode) {
    return sandbox.deviceCodes().stream()
        .filter(code -> code.userCode().equals(userCode))
        .findFirst()
        .orElseThrow(() -> new AssertionError("the sandbox issued no user code " + userCode));
  }

  /** Now on the sandbox's poll clock: system time plus the sandbox clock's advances. */
  private Instant pollClock() {
    return Instant.now().plus(sandbox.clock().offset());
  }

  private void awaitPolls(String userCode, int polls) {
    EndToEnd.awaitTrue(
        () -> deviceCode(userCode).polls().size() >= polls,
        "the sandbox has " + polls + " poll(s) of " + userCode);
  }

  /**
   * Waits until the watch has streamed a view with this poll interval: the gateway has recorded it
   * (with the next poll one such interval on), and the watcher was told.
   */
  private void awaitInterval(Watch watch, Duration interval) {
    EndToEnd.awaitTrue(
        () ->
            watch.views.stream()
                .anyMatch(view -> view.getDevice().getInterval().equals(protoSeconds(interval))),
        "the watch shows a poll interval of " + interval.toSeconds() + " s");
  }

  private static long seconds(com.google.protobuf.Duration duration) {
    return duration.getSeconds();
  }

  private static com.google.protobuf.Duration protoSeconds(Duration duration) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(duration.toSeconds()).build();
  }

  private Watch watch(String name) {
    return watch(channel, name);
  }

  private static Watch watch(ManagedChannel over, String name) {
    Watch watch = new Watch();
    AuthServiceGrpc.newStub(over)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .watchAuthorization(WatchAuthorizationRequest.newBuilder().setName(name).build(), watch);
    return watch;
  }

  /** A WatchAuthorization stream's views, collected as they arrive. */
  private static final class Watch implements StreamObserver<Authorization> {
    private final List<Authorization> views = new CopyOnWriteArrayList<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile Throwable error;

    @Override
    public void onNext(Authorization view) {
      views.add(view);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
      ended.countDown();
    }

    @Override
    public void onCompleted() {
      ended.countDown();
    }

    /** Every view, once the stream has ended normally. */
    List<Authorization> awaitEnd() {
      awaitEnded();
      assertThat(error).as("the watch ended without an error").isNull();
      return List.copyOf(views);
    }

    /** The error the stream ended with. */
    Throwable awaitError() {
      awaitEnded();
      assertThat(error).as("the watch ended with an error; views %s", views).isNotNull();
      return error;
    }

    private void awaitEnded() {
      try {
        assertThat(ended.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
            .as("the watch ends within %s; so far %s", WAIT, views)
            .isTrue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
