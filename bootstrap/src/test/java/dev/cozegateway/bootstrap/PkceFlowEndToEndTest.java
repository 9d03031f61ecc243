package dev.cozegateway.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cozegateway.adapters.vault.KeyRing;
import dev.cozegateway.api.v1.AccessToken;
import dev.cozegateway.api.v1.AuthServiceGrpc;
import dev.cozegateway.api.v1.Authorization;
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.api.v1.GetAccessTokenRequest;
import dev.cozegateway.api.v1.GetAuthorizationRequest;
import dev.cozegateway.api.v1.GetConnectionRequest;
import dev.cozegateway.api.v1.StartAuthorizationRequest;
import dev.cozegateway.bootstrap.config.ConfigSource;
import dev.cozegateway.bootstrap.config.GatewayConfig;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxConfig;
import dev.cozegateway.sandbox.SandboxStats;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The PKCE flow end to end: the gateway as {@code serve} runs it (Netty gRPC, the callback server,
 * the embedded store, the Coze HTTP adapter) against the Coze sandbox over loopback HTTP, with the
 * demo's public PKCE app. The sandbox refuses a client secret from a public app the way Coze does,
 * so a refresh it redeems proves the gateway sent none. Prints one {@code [pkce-e2e]} line.
 */
class PkceFlowEndToEndTest {
  private static final String CONNECTION = SandboxWiring.TENANT + "/connections/pat";
  private static final String PKCE_APP = "apps/" + SandboxWiring.PKCE_APP;

  @TempDir Path dataDir;

  private final KeyRing keyRing = KeyRing.parse(KeyRing.generateKeyLine("k1"), null);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private InMemorySpanExporter spans;
  private int httpPort;
  private CozeSandbox sandbox;
  private Gateway gateway;
  private ManagedChannel channel;
  private AuthServiceGrpc.AuthServiceBlockingStub auth;

  @BeforeEach
  void start() {
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    httpPort = SandboxWiring.freePort();
    sandbox =
        CozeSandbox.start(
            SandboxConfig.demo(0, List.of(SandboxWiring.callbackUri(httpPort)))
                .withAutoApprove(true));
    var tree = SandboxWiring.configTree(sandbox, keyRing, 0, httpPort, dataDir);
    // Only GetAccessToken refreshes, so the sandbox's counters are this test's doing.
    tree.putObject("refresh").put("sweep-enabled", "false");
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

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (gateway != null) {
      gateway.close();
    }
    sandbox.close();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
  }

  @Test
  void pkceAppConnectsAndRefreshesWithoutASecret() throws Exception {
    Authorization pending =
        auth.startAuthorization(
            StartAuthorizationRequest.newBuilder()
                .setParent(SandboxWiring.TENANT)
                .setApp(PKCE_APP)
                .setConnectionId("pat")
                .setSubject("user-pat")
                .build());
    assertThat(pending.getState()).isEqualTo(Authorization.State.PENDING);
    assertThat(pending.getApp()).isEqualTo(PKCE_APP);
    Map<String, String> authorize = query(URI.create(pending.getAuthorizeUri()));
    assertThat(authorize)
        .containsEntry("client_id", SandboxConfig.DEMO_PKCE_CLIENT_ID)
        .containsEntry("code_challenge_method", "S256")
        .containsEntry("redirect_uri", SandboxWiring.callbackUri(httpPort))
        .containsKey("code_challenge")
        .doesNotContainKey("client_secret");
    assertThat(authorize.get("code_challenge")).matches("[A-Za-z0-9_-]{43}");

    // The browser: authorize page, consent (auto-approved), then the gateway's callback.
    SandboxStats before = sandbox.stats();
    HttpResponse<String> page = Alice.followInBrowser(pending.getAuthorizeUri());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.uri().getPath()).isEqualTo("/oauth/callback");
    assertThat(page.body()).contains("Coze account connected");
    SandboxStats exchanged = sandbox.stats();
    assertThat(exchanged.codeExchanges() - before.codeExchanges()).isEqualTo(1);
    assertThat(
            auth.getAuthorization(
                    GetAuthorizationRequest.newBuilder().setName(pending.getName()).build())
                .getState())
        .isEqualTo(Authorization.State.COMPLETED);
    Connection connection =
        auth.getConnection(GetConnectionRequest.newBuilder().setName(CONNECTION).build());
    assertThat(connection.getState()).isEqualTo(Connection.State.ACTIVE);
    assertThat(connection.getApp()).isEqualTo(PKCE_APP);
    AccessToken first = accessToken();
    assertThat(sandbox.isAccessTokenValid(first.getAccessToken())).isTrue();

    // The token expires at the sandbox; GetAccessToken refreshes it. The sandbox would refuse
    // (and count) a refresh that carried a secret for this public app.
    sandbox.clock().advance(SandboxConfig.DEFAULT_ACCESS_TOKEN_LIFETIME.plusSeconds(1));
    assertThat(sandbox.isAccessTokenValid(first.getAccessToken())).isFalse();
    AccessToken second = accessToken();
    SandboxStats after = sandbox.stats();
    assertThat(second.getAccessToken()).isNotEqualTo(first.getAccessToken());
    assertThat(sandbox.isAccessTokenValid(second.getAccessToken())).isTrue();
    long redemptions = after.refreshRedemptions() - exchanged.refreshRedemptions();
    long rejections = after.refreshRejections() - exchanged.refreshRejections();
    assertThat(redemptions).isEqualTo(1);
    assertThat(rejections).isZero();
    Connection refreshed =
        auth.getConnection(GetConnectionRequest.newBuilder().setName(CONNECTION).build());
    assertThat(refreshed.getState()).isEqualTo(Connection.State.ACTIVE);
    assertThat(refreshed.getLastRefreshTime().getSeconds()).isPositive();

    // Neither token nor refresh token reached a log line or a span.
    List<String> secrets =
        new ArrayList<>(List.of(first.getAccessToken(), second.getAccessToken()));
    sandbox.refreshTokens().forEach(t -> secrets.add(t.refreshToken()));
    List<SpanData> recorded = spans.getFinishedSpanItems();
    assertThat(recorded)
        .anyMatch(s -> s.getName().equals("coze.gateway.v1.AuthService/GetAccessToken"));
    EndToEnd.assertNoSecrets(logs.list, recorded, secrets);
    System.out.println(
        String.format(
            "[pkce-e2e] StartAuthorization(%s) -> %s, authorize URI with S256 challenge, no"
                + " secret; browser -> %s %d; code exchanges +%d; %s %s, token valid; +%d s ->"
                + " GetAccessToken refreshed: new token valid, redemptions +%d, rejections +%d"
                + " (a secret would have been refused); %d log events and %d spans hold none of"
                + " %d tokens",
            PKCE_APP,
            pending.getState(),
            page.uri().getPath(),
            page.statusCode(),
            exchanged.codeExchanges() - before.codeExchanges(),
            refreshed.getName(),
            refreshed.getState(),
            SandboxConfig.DEFAULT_ACCESS_TOKEN_LIFETIME.plusSeconds(1).toSeconds(),
            redemptions,
            rejections,
            logs.list.size(),
            recorded.size(),
            secrets.size()));
  }

  @Test
  void aWorkspaceScopedAuthorizationConnectsThroughCozesWorkspacePage() throws Exception {
    String workspaceId = "7390000000000000001";
    Authorization pending =
        auth.startAuthorization(
            StartAuthorizationRequest.newBuilder()
                .setParent(SandboxWiring.TENANT)
                .setApp(PKCE_APP)
                .setConnectionId("pat")
                .setSubject("user-pat")
                .setWorkspaceId(workspaceId)
                .build());
    URI authorizeUri = URI.create(pending.getAuthorizeUri());
    assertThat(authorizeUri.getPath())
        .isEqualTo("/api/permission/oauth2/workspace_id/" + workspaceId + "/authorize");
    assertThat(query(authorizeUri))
        .containsEntry("client_id", SandboxConfig.DEMO_PKCE_CLIENT_ID)
        .containsEntry("code_challenge_method", "S256");
    // Read back, the authorization rebuilds the same URI from its sealed secrets.
    assertThat(
            auth.getAuthorization(
                    GetAuthorizationRequest.newBuilder().setName(pending.getName()).build())
                .getAuthorizeUri())
        .isEqualTo(pending.getAuthorizeUri());

    // The browser: the workspace authorize page, consent (auto-approved), the gateway's callback.
    HttpResponse<String> page = Alice.followInBrowser(pending.getAuthorizeUri());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.uri().getPath()).isEqualTo("/oauth/callback");
    assertThat(page.body()).contains("Coze account connected");
    assertThat(sandbox.approvedWorkspaces()).containsExactly(workspaceId);
    Authorization done =
        auth.getAuthorization(
            GetAuthorizationRequest.newBuilder().setName(pending.getName()).build());
    assertThat(done.getState()).isEqualTo(Authorization.State.COMPLETED);
    Connection connection =
        auth.getConnection(GetConnectionRequest.newBuilder().setName(CONNECTION).build());
    assertThat(connection.getState()).isEqualTo(Connection.State.ACTIVE);
    assertThat(sandbox.isAccessTokenValid(accessToken().getAccessToken())).isTrue();
    System.out.println(
        String.format(
            "[pkce-e2e] StartAuthorization(%s, workspace_id=%s) -> %s, authorize URI %s; browser"
                + " -> %s %d; sandbox approved workspaces %s; authorization %s; %s %s, token"
                + " valid",
            PKCE_APP,
            workspaceId,
            pending.getState(),
            authorizeUri.getPath(),
            page.uri().getPath(),
            page.statusCode(),
            sandbox.approvedWorkspaces(),
            done.getState(),
            connection.getName(),
            connection.getState()));
  }

  private AccessToken accessToken() {
    return auth.getAccessToken(
        GetAccessTokenRequest.newBuilder().setConnection(CONNECTION).build());
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> parameters = new HashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      String[] kv = pair.split("=", 2);
      parameters.put(
          URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
          kv.length == 2 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
    }
    return parameters;
  }
}
