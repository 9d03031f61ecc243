package dev.cozegateway.adapters.grpc;

import dev.cozegateway.api.v1.AuthServiceGrpc.AuthServiceBlockingStub;
import dev.cozegateway.api.v1.Authorization;
import dev.cozegateway.api.v1.CompleteAuthorizationRequest;
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.api.v1.StartAuthorizationRequest;
import dev.cozegateway.application.AuthUseCases;
import dev.cozegateway.application.DeviceUseCases;
import dev.cozegateway.application.GetAccessToken;
import dev.cozegateway.application.ServiceTokenUseCases;
import dev.cozegateway.application.WorkflowSettings;
import dev.cozegateway.application.WorkflowUseCases;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.CozeRegion;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.testing.FakeCozeDeviceFlow;
import dev.cozegateway.domain.testing.FakeCozeOAuth;
import dev.cozegateway.domain.testing.FakeCozeServiceTokens;
import dev.cozegateway.domain.testing.FakeCozeWorkflows;
import dev.cozegateway.domain.testing.FakeSecretVault;
import dev.cozegateway.domain.testing.InMemoryAuthorizationStore;
import dev.cozegateway.domain.testing.InMemoryConnectionStore;
import dev.cozegateway.domain.testing.InMemoryRefreshLeases;
import dev.cozegateway.domain.testing.InMemoryServiceTokenStore;
import dev.cozegateway.domain.testing.InMemoryWorkflowRunStore;
import dev.cozegateway.domain.testing.MutableClock;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** The use cases on the domain's fakes, with one WEB and one JWT app, plus the OAuth round trip. */
final class TestGateway {
  static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
  static final String TENANT = "tenants/acme";
  static final String WEB_APP = "apps/web";
  static final String JWT_APP = "apps/robot";
  static final String DEVICE_APP = "apps/tv";
  static final String ALLOWED_RETURN_URI = "https://app.example/connected";

  final MutableClock clock = new MutableClock(START);
  final FakeCozeOAuth coze = new FakeCozeOAuth(clock);
  final InMemoryConnectionStore connections = new InMemoryConnectionStore();
  final InMemoryAuthorizationStore authorizations = new InMemoryAuthorizationStore();
  final InMemoryRefreshLeases leases = new InMemoryRefreshLeases(clock);

  /** Counted down when a refresh reaches Coze, i.e. a GetAccessToken call is in flight there. */
  final CountDownLatch refreshStarted = new CountDownLatch(1);

  /** Coze's workflow API and the run records, for the workflow use cases. */
  final FakeCozeWorkflows workflowsCoze = new FakeCozeWorkflows();

  final InMemoryWorkflowRunStore runs = new InMemoryWorkflowRunStore();

  AuthUseCases useCases() {
    return useCases(connections);
  }

  /** Coze's device flow, for the device use cases. */
  final FakeCozeDeviceFlow deviceCoze = new FakeCozeDeviceFlow(clock);

  /** The device flow's use cases (and cancel and watch), next to {@code auth}. */
  DeviceUseCases deviceUseCases(AuthUseCases auth) {
    return new DeviceUseCases(
        auth,
        apps(),
        authorizations,
        connections,
        new FakeSecretVault(),
        deviceCoze,
        clock,
        new SecureRandom());
  }

  /** Coze's JWT grant and the service-token cache, for the JWT app. */
  final FakeCozeServiceTokens serviceCoze = new FakeCozeServiceTokens(clock);

  final InMemoryServiceTokenStore serviceTokens = new InMemoryServiceTokenStore();

  ServiceTokenUseCases serviceTokenUseCases() {
    apps().find(AppId.parse(JWT_APP, "app")).ifPresent(serviceCoze::registerKey);
    return new ServiceTokenUseCases(
        apps(),
        serviceTokens,
        leases,
        new FakeSecretVault(),
        serviceCoze,
        clock,
        GetAccessToken.DEFAULT_LEASE_TTL);
  }

  /** The AuthService on {@code auth}, its device use cases and the JWT app's tokens. */
  AuthGrpcService authService(AuthUseCases auth) {
    return new AuthGrpcService(auth, deviceUseCases(auth), serviceTokenUseCases());
  }

  /** The workflow use cases, taking tokens from {@code auth}. */
  WorkflowUseCases workflowUseCases(AuthUseCases auth) {
    return new WorkflowUseCases(
        auth,
        serviceTokenUseCases(),
        apps(),
        connections,
        runs,
        workflowsCoze,
        clock,
        new SecureRandom(),
        WorkflowSettings.defaults());
  }

  /** The use cases over another connection store, e.g. a failing one. */
  AuthUseCases useCases(ConnectionStore connectionStore) {
    return new AuthUseCases(
        apps(),
        connectionStore,
        authorizations,
        new FakeSecretVault(),
        new SignallingCoze(),
        leases,
        GetAccessToken.DEFAULT_LEASE_TTL,
        clock,
        new SecureRandom());
  }

  static AppDirectory apps() {
    App web =
        new App(
            AppId.parse(WEB_APP, "app"),
            AppType.WEB,
            CozeRegion.COZE_COM,
            "1234.app.coze",
            Secret.of("web-client-secret"),
            "env:WEB_SECRET",
            URI.create("https://gateway.example/oauth/callback"),
            Set.of(URI.create(ALLOWED_RETURN_URI)));
    App robot =
        new App(
            AppId.parse(JWT_APP, "app"),
            AppType.JWT,
            CozeRegion.COZE_COM,
            "5678.app.coze",
            null,
            "file:/keys/robot.pem",
            URI.create("https://gateway.example/oauth/callback"),
            Set.of(),
            Secret.of("-----BEGIN PRIVATE KEY-----\nunused by the fake\n-----END PRIVATE KEY-----"),
            "kid-robot");
    App tv =
        new App(
            AppId.parse(DEVICE_APP, "app"),
            AppType.DEVICE,
            CozeRegion.COZE_CN,
            "9012.app.coze",
            null,
            "",
            null,
            Set.of());
    return new AppDirectory(List.of(web, robot, tv));
  }

  static StartAuthorizationRequest.Builder startRequest(String connectionId) {
    return StartAuthorizationRequest.newBuilder()
        .setParent(TENANT)
        .setApp(WEB_APP)
        .setConnectionId(connectionId)
        .setSubject("user-" + connectionId);
  }

  static String connectionName(String connectionId) {
    return TENANT + "/connections/" + connectionId;
  }

  /** The end user approves at Coze: the request Coze's redirect would carry to the gateway. */
  CompleteAuthorizationRequest approve(Authorization pending) {
    Map<String, String> query = query(pending.getAuthorizeUri());
    return CompleteAuthorizationRequest.newBuilder()
        .setState(query.get("state"))
        .setCode(coze.approve(query.get("code_challenge")))
        .build();
  }

  /** Runs the whole web flow for a connection. */
  Connection connect(AuthServiceBlockingStub auth, String connectionId) {
    Authorization pending = auth.startAuthorization(startRequest(connectionId).build());
    return auth.completeAuthorization(approve(pending));
  }

  static Map<String, String> query(String uri) {
    Map<String, String> parameters = new HashMap<>();
    for (String pair : URI.create(uri).getRawQuery().split("&")) {
      int equals = pair.indexOf('=');
      parameters.put(
          URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
    }
    return parameters;
  }

  /** The fake Coze, telling the test when a refresh arrives. */
  private final class SignallingCoze implements CozeOAuth {
    @Override
    public URI authorizeUri(App app, String state, String codeChallenge, String workspaceId) {
      return coze.authorizeUri(app, state, codeChallenge, workspaceId);
    }

    @Override
    public GrantResult exchangeCode(App app, String code, Secret codeVerifier) {
      return coze.exchangeCode(app, code, codeVerifier);
    }

    @Override
    public GrantResult refresh(App app, Secret refreshToken) {
      refreshStarted.countDown();
      return coze.refresh(app, refreshToken);
    }
  }
}
