package dev.cozegateway.bootstrap;

import static dev.cozegateway.bootstrap.EndToEnd.badRequestFields;
import static dev.cozegateway.bootstrap.EndToEnd.catchStatus;
import static dev.cozegateway.bootstrap.EndToEnd.errorInfo;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cozegateway.adapters.vault.KeyRing;
import dev.cozegateway.api.v1.AccessToken;
import dev.cozegateway.api.v1.AuthServiceGrpc;
import dev.cozegateway.api.v1.Authorization;
import dev.cozegateway.api.v1.CompleteAuthorizationRequest;
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.api.v1.GetAccessTokenRequest;
import dev.cozegateway.api.v1.GetAuthorizationRequest;
import dev.cozegateway.api.v1.GetConnectionRequest;
import dev.cozegateway.bootstrap.config.ConfigSource;
import dev.cozegateway.bootstrap.config.GatewayConfig;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.RefreshTokenInfo;
import dev.cozegateway.sandbox.SandboxConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The whole gateway, as {@code serve} runs it (Netty gRPC, the callback server, the embedded store,
 * the AES vault, the Coze HTTP adapter), against the Coze sandbox over loopback HTTP. The gateway
 * shares the sandbox's clock, so moving that clock expires tokens for both.
 */
class GatewayEndToEndTest {
  private static final String CONNECTION = SandboxWiring.TENANT + "/connections/alice";

  @TempDir Path dataDir;

  private final HttpClient browser =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
  private final ObjectMapper json = new ObjectMapper();
  // Each gateway owns (and on close shuts down) its telemetry, which clears its exporter; so each
  // start gets a new exporter, and what it recorded is kept here before the gateway closes.
  private InMemorySpanExporter spans;
  private final List<SpanData> recordedSpans = new ArrayList<>();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final ExecutorService pool = Executors.newFixedThreadPool(50);
  private final KeyRing keyRing = KeyRing.parse(KeyRing.generateKeyLine("k1"), null);
  private int httpPort;
  private CozeSandbox sandbox;
  private Gateway gateway;
  private ManagedChannel channel;
  private AuthServiceGrpc.AuthServiceBlockingStub auth;

  @BeforeEach
  void startSandbox() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ((Logger) LoggerFactory.getLogger("dev.cozegateway")).setLevel(Level.DEBUG);
    logs.start();
    root.addAppender(logs);
    httpPort = SandboxWiring.freePort();
    sandbox =
        CozeSandbox.start(SandboxConfig.demo(0, List.of(SandboxWiring.callbackUri(httpPort))));
    startGateway();
  }

  @AfterEach
  void stopAll() {
    pool.shutdownNow();
    if (channel != null) {
      channel.shutdownNow();
    }
    if (gateway != null) {
      gateway.close();
    }
    sandbox.close();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
  }

  private void startGateway() {
    GatewayConfig config =
        GatewayConfig.from(
            ConfigSource.of(
                SandboxWiring.configTree(sandbox, keyRing, 0, httpPort, dataDir), Map.of()));
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

  private void restartGateway() {
    stopGateway();
    startGateway();
  }

  private Authorization startAuthorization() {
    return Alice.startAuthorization(auth);
  }

  /** The end user's browser: authorize page, consent (auto-approved), then our callback. */
  private HttpResponse<String> followInBrowser(String authorizeUri) throws Exception {
    return Alice.followInBrowser(authorizeUri);
  }

  private AccessToken accessToken() {
    return auth.getAccessToken(
        GetAccessTokenRequest.newBuilder().setConnection(CONNECTION).build());
  }

  private void advanceSandboxClock(long seconds) throws Exception {
    HttpResponse<String> response =
        browser.send(
            HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/_sandbox/clock/advance"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"seconds\":" + seconds + "}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
  }

  private long refreshRedemptions() throws Exception {
    HttpResponse<String> stats =
        browser.send(
            HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/_sandbox/stats")).build(),
            HttpResponse.BodyHandlers.ofString());
    return json.readTree(stats.body()).get("refresh_redemptions").asLong();
  }

  private HttpResponse<String> redeemAtSandbox(String refreshToken) throws Exception {
    String body =
        json.writeValueAsString(
            Map.of(
                "grant_type",
                "refresh_token",
                "client_id",
                SandboxConfig.DEMO_WEB_CLIENT_ID,
                "refresh_token",
                refreshToken));
    return browser.send(
        HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/api/permission/oauth2/token"))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + SandboxConfig.DEMO_WEB_CLIENT_SECRET)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void connectRefreshAndSurviveARestart() throws Exception {
    // 1. StartAuthorization.
    Authorization pending = startAuthorization();
    assertThat(pending.getState()).isEqualTo(Authorization.State.PENDING);
    assertThat(pending.getAuthorizeUri()).startsWith(sandbox.baseUrl().toString());
    report("1. StartAuthorization: %s %s", pending.getName(), pending.getState());

    // 2. The browser follows the authorize URI through consent (auto-approved) to the callback.
    sandbox.setAutoApprove(true);
    HttpResponse<String> page = followInBrowser(pending.getAuthorizeUri());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.uri().getPath()).isEqualTo("/oauth/callback");
    assertThat(page.body()).contains("Coze account connected");
    report(
        "2. browser: authorize -> consent -> %s answered %d",
        page.uri().getPath(), page.statusCode());
    assertThat(
            auth.getAuthorization(
                    GetAuthorizationRequest.newBuilder().setName(pending.getName()).build())
                .getState())
        .isEqualTo(Authorization.State.COMPLETED);

    // 3. GetAccessToken.
    AccessToken first = accessToken();
    assertThat(first.getAccessToken()).startsWith("czu_");
    assertThat(page.body()).doesNotContain(first.getAccessToken());
    assertThat(refreshRedemptions()).isZero();
    String firstRefreshToken = onlyActiveRefreshToken();
    report(
        "3. GetAccessToken: czu_… expiring %s, redemptions so far %d",
        first.getExpireTime().getSeconds(), refreshRedemptions());

    // 4. The token expires at the sandbox.
    advanceSandboxClock(15 * 60);
    report("4. sandbox clock advanced 900 s: the token has expired");

    // 5. GetAccessToken refreshes; the old refresh token is dead at the sandbox.
    long refreshedFrom = sandbox.clock().instant().getEpochSecond();
    AccessToken second = accessToken();
    assertThat(second.getAccessToken()).startsWith("czu_").isNotEqualTo(first.getAccessToken());
    assertThat(refreshRedemptions()).isEqualTo(1);
    HttpResponse<String> reuse = redeemAtSandbox(firstRefreshToken);
    assertThat(reuse.statusCode()).isEqualTo(400);
    assertThat(json.readTree(reuse.body()).get("error_code").asText()).isEqualTo("invalid_grant");
    Connection refreshed =
        auth.getConnection(GetConnectionRequest.newBuilder().setName(CONNECTION).build());
    assertThat(refreshed.getState()).isEqualTo(Connection.State.ACTIVE);
    assertThat(refreshed.getLastRefreshTime().getSeconds())
        .isBetween(refreshedFrom, sandbox.clock().instant().getEpochSecond());
    report(
        "5. GetAccessToken refreshed: redemptions %d; replaying the old refresh token -> HTTP %d %s",
        refreshRedemptions(),
        reuse.statusCode(),
        json.readTree(reuse.body()).get("error_code").asText());

    // 6. 50 concurrent GetAccessToken calls on an expired token cause one redemption.
    advanceSandboxClock(15 * 60);
    long before = refreshRedemptions();
    CountDownLatch go = new CountDownLatch(1);
    List<Future<AccessToken>> calls = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      calls.add(
          pool.submit(
              () -> {
                go.await();
                return accessToken();
              }));
    }
    go.countDown();
    Set<String> tokens = new java.util.HashSet<>();
    for (Future<AccessToken> call : calls) {
      tokens.add(call.get(30, TimeUnit.SECONDS).getAccessToken());
    }
    assertThat(refreshRedemptions() - before).isEqualTo(1);
    assertThat(tokens).hasSize(1).doesNotContain(second.getAccessToken());
    assertThat(sandbox.refreshTokens())
        .filteredOn(t -> !t.refreshToken().equals(firstRefreshToken) && t.attempts() > 1)
        .as("the gateway never presented a refresh token twice (the test replayed the first)")
        .isEmpty();
    String current = tokens.iterator().next();
    report(
        "6. 50 concurrent GetAccessToken on an expired token: %d redemption(s), %d distinct token(s)",
        refreshRedemptions() - before, tokens.size());

    // 7. Restart on the same data directory: the connection is still there, its token is the
    // same, and no token appears in the data files.
    restartGateway();
    Connection afterRestart =
        auth.getConnection(GetConnectionRequest.newBuilder().setName(CONNECTION).build());
    assertThat(afterRestart.getState()).isEqualTo(Connection.State.ACTIVE);
    assertThat(accessToken().getAccessToken()).isEqualTo(current);
    assertThat(refreshRedemptions() - before).isEqualTo(1);
    report(
        "7. restarted on the same data dir: %s %s, same token, redemptions still %d",
        afterRestart.getName(), afterRestart.getState(), refreshRedemptions() - before);
    stopGateway();
    List<String> secrets = new ArrayList<>();
    secrets.add(first.getAccessToken());
    secrets.add(second.getAccessToken());
    secrets.add(current);
    sandbox.refreshTokens().forEach(t -> secrets.add(t.refreshToken()));
    secrets.add(SandboxConfig.DEMO_WEB_CLIENT_SECRET);
    try (Stream<Path> files = Files.walk(dataDir)) {
      List<Path> dataFiles = files.filter(Files::isRegularFile).collect(Collectors.toList());
      assertThat(dataFiles).anyMatch(p -> p.getFileName().toString().endsWith(".mv.db"));
      for (Path file : dataFiles) {
        String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        for (String secret : secrets) {
          assertThat(content).as("%s must not hold a token", file).doesNotContain(secret);
        }
      }
    }

    report("   data files hold none of %d token/secret strings", secrets.size());

    // Secrets never reach logs or spans.
    assertNoSecretIn(secrets);
    report(
        "   %d log events and %d spans hold none of them", logs.list.size(), recordedSpans.size());
  }

  /** What the closing note of the issue quotes: one line per step, on the test's output. */
  private static void report(String format, Object... args) {
    System.out.println("[e2e] " + String.format(format, args));
  }

  private String onlyActiveRefreshToken() {
    List<RefreshTokenInfo> active =
        sandbox.refreshTokens().stream().filter(t -> t.state().equals("active")).toList();
    assertThat(active).hasSize(1);
    return active.get(0).refreshToken();
  }

  private void assertNoSecretIn(List<String> secrets) {
    assertThat(recordedSpans)
        .as("the gRPC server and the Coze HTTP client are traced")
        .anyMatch(s -> s.getName().equals("coze.gateway.v1.AuthService/GetAccessToken"))
        .anyMatch(s -> s.getKind() == io.opentelemetry.api.trace.SpanKind.CLIENT);
    EndToEnd.assertNoSecrets(logs.list, recordedSpans, secrets);
  }

  @Test
  void unknownAndReplayedStatesAreRejectedAndCreateNothing() throws Exception {
    StatusRuntimeException unknown =
        catchStatus(
            () ->
                auth.completeAuthorization(
                    CompleteAuthorizationRequest.newBuilder()
                        .setState("made-up-state")
                        .setCode("code_x")
                        .build()));
    assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(errorInfo(unknown).getReason()).isEqualTo("AUTHORIZATION_STATE_INVALID");
    assertThat(badRequestFields(unknown)).containsExactly("state");

    // A state that was used once, through the browser, cannot be used again over gRPC.
    Authorization pending = startAuthorization();
    sandbox.setAutoApprove(true);
    HttpResponse<String> page = followInBrowser(pending.getAuthorizeUri());
    assertThat(page.statusCode()).isEqualTo(200);
    String state = query(page.uri(), "state");
    String code = query(page.uri(), "code");
    auth.deleteConnection(
        dev.cozegateway.api.v1.DeleteConnectionRequest.newBuilder().setName(CONNECTION).build());

    StatusRuntimeException replay =
        catchStatus(
            () ->
                auth.completeAuthorization(
                    CompleteAuthorizationRequest.newBuilder()
                        .setState(state)
                        .setCode(code)
                        .build()));
    assertThat(replay.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(errorInfo(replay).getReason()).isEqualTo("AUTHORIZATION_STATE_INVALID");
    StatusRuntimeException gone =
        catchStatus(
            () ->
                auth.getConnection(GetConnectionRequest.newBuilder().setName(CONNECTION).build()));
    assertThat(gone.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void malformedNamesAreInvalidArgumentsNamingTheField() {
    StatusRuntimeException e =
        catchStatus(
            () ->
                auth.getConnection(
                    GetConnectionRequest.newBuilder().setName("tenants/demo/conn/x").build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(badRequestFields(e)).containsExactly("name");
    assertThat(errorInfo(e).getReason()).isEqualTo("INVALID_RESOURCE_NAME");
  }

  private static String query(URI uri, String name) {
    for (String pair : uri.getRawQuery().split("&")) {
      String[] kv = pair.split("=", 2);
      if (kv[0].equals(name)) {
        return java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8);
      }
    }
    throw new AssertionError(name + " not in " + uri);
  }
}
