package dev.cozegateway.adapters.grpc;

import static dev.cozegateway.adapters.grpc.StatusDetails.assertError;
import static dev.cozegateway.adapters.grpc.StatusDetails.message;
import static dev.cozegateway.adapters.grpc.StatusDetails.violatedFields;
import static dev.cozegateway.adapters.grpc.TestGateway.ALLOWED_RETURN_URI;
import static dev.cozegateway.adapters.grpc.TestGateway.JWT_APP;
import static dev.cozegateway.adapters.grpc.TestGateway.START;
import static dev.cozegateway.adapters.grpc.TestGateway.TENANT;
import static dev.cozegateway.adapters.grpc.TestGateway.WEB_APP;
import static dev.cozegateway.adapters.grpc.TestGateway.connectionName;
import static dev.cozegateway.adapters.grpc.TestGateway.query;
import static dev.cozegateway.adapters.grpc.TestGateway.startRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import com.google.protobuf.Duration;
import com.google.protobuf.Empty;
import com.google.rpc.ErrorInfo;
import dev.cozegateway.api.v1.AccessToken;
import dev.cozegateway.api.v1.AppSession;
import dev.cozegateway.api.v1.AuthServiceGrpc;
import dev.cozegateway.api.v1.AuthServiceGrpc.AuthServiceBlockingStub;
import dev.cozegateway.api.v1.Authorization;
import dev.cozegateway.api.v1.CancelAuthorizationRequest;
import dev.cozegateway.api.v1.CompleteAuthorizationRequest;
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.api.v1.DeleteConnectionRequest;
import dev.cozegateway.api.v1.GetAccessTokenRequest;
import dev.cozegateway.api.v1.GetAuthorizationRequest;
import dev.cozegateway.api.v1.GetConnectionRequest;
import dev.cozegateway.api.v1.ListConnectionsRequest;
import dev.cozegateway.api.v1.ListConnectionsResponse;
import dev.cozegateway.api.v1.StartDeviceAuthorizationRequest;
import dev.cozegateway.api.v1.WatchAuthorizationRequest;
import dev.cozegateway.application.AuthUseCases;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.testing.FakeSecretVault;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The AuthService through an in-process server and channel, on the domain's fakes. */
class AuthGrpcServiceTest {
  private static final java.time.Duration TOKEN_LIFETIME = java.time.Duration.ofMinutes(15);

  private final TestGateway gateway = new TestGateway();
  private Server server;
  private ManagedChannel channel;
  private AuthServiceBlockingStub auth;

  @BeforeEach
  void startServer() throws IOException {
    serve(gateway.useCases());
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  private void serve(AuthUseCases useCases) throws IOException {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(gateway.authService(useCases))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    auth = AuthServiceGrpc.newBlockingStub(channel);
  }

  // --- StartAuthorization ---

  @Test
  void startAuthorizationReturnsPendingAuthorizationWithPkceAuthorizeUri() {
    Authorization started =
        auth.startAuthorization(startRequest("main").setReturnUri(ALLOWED_RETURN_URI).build());

    assertThat(started.getName()).startsWith(TENANT + "/authorizations/");
    assertThat(started.getState()).isEqualTo(Authorization.State.PENDING);
    assertThat(started.getApp()).isEqualTo(WEB_APP);
    assertThat(started.getConnection()).isEqualTo(connectionName("main"));
    assertThat(started.getSubject()).isEqualTo("user-main");
    assertThat(started.getReturnUri()).isEqualTo(ALLOWED_RETURN_URI);
    assertThat(started.hasError()).isFalse();
    assertThat(ProtoMapping.toInstant(started.getCreateTime())).isEqualTo(START);
    assertThat(ProtoMapping.toInstant(started.getExpireTime()))
        .isEqualTo(START.plus(java.time.Duration.ofMinutes(10)));
    assertThat(started.getAuthorizeUri())
        .startsWith("https://www.coze.com/api/permission/oauth2/authorize?");
    Map<String, String> query = query(started.getAuthorizeUri());
    assertThat(query)
        .containsEntry("response_type", "code")
        .containsEntry("client_id", "1234.app.coze")
        .containsEntry("code_challenge_method", "S256");
    assertThat(query.get("state")).hasSizeGreaterThanOrEqualTo(43);
    // An S256 challenge is the unpadded base64url of a SHA-256 digest: 43 characters.
    assertThat(query.get("code_challenge")).matches("[A-Za-z0-9_-]{43}");
  }

  @Test
  void startAuthorizationWithAWorkspaceIdReturnsTheWorkspaceScopedAuthorizeUri() {
    Authorization started =
        auth.startAuthorization(startRequest("main").setWorkspaceId("7390000000000000001").build());

    assertThat(started.getAuthorizeUri())
        .startsWith(
            "https://www.coze.com/api/permission/oauth2/workspace_id/7390000000000000001"
                + "/authorize?");
    assertThat(query(started.getAuthorizeUri())).containsEntry("code_challenge_method", "S256");
  }

  @Test
  void startAuthorizationWithAMalformedWorkspaceIdNamesThatField() {
    Throwable thrown =
        catchThrowable(
            () -> auth.startAuthorization(startRequest("main").setWorkspaceId("ws-1").build()));

    assertError(thrown, Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT");
    assertThat(violatedFields(thrown)).containsExactly("workspace_id");
  }

  @Test
  void startAuthorizationWithTheSameRequestIdReturnsTheSameAuthorization() {
    String requestId = "5f0c6a8e-1b7d-4c55-9f55-0f7ab1b9b2a1";
    Authorization first =
        auth.startAuthorization(startRequest("main").setRequestId(requestId).build());
    Authorization retry =
        auth.startAuthorization(startRequest("main").setRequestId(requestId).build());

    assertThat(retry.getName()).isEqualTo(first.getName());
    assertThat(retry.getAuthorizeUri()).isEqualTo(first.getAuthorizeUri());

    Throwable thrown =
        catchThrowable(
            () ->
                auth.startAuthorization(
                    startRequest("main")
                        .setSubject("someone-else")
                        .setRequestId(requestId)
                        .build()));
    assertError(thrown, Status.Code.ALREADY_EXISTS, "REQUEST_ID_CONFLICT");
  }

  @Test
  void startAuthorizationWithAnUnknownAppIsNotFound() {
    Throwable thrown =
        catchThrowable(
            () -> auth.startAuthorization(startRequest("main").setApp("apps/nope").build()));

    assertError(thrown, Status.Code.NOT_FOUND, "APP_NOT_FOUND");
    assertThat(message(thrown)).contains("apps/nope");
  }

  @Test
  void startAuthorizationWithAJwtAppFailsItsPrecondition() {
    Throwable thrown =
        catchThrowable(() -> auth.startAuthorization(startRequest("main").setApp(JWT_APP).build()));

    ErrorInfo info = assertError(thrown, Status.Code.FAILED_PRECONDITION, "APP_TYPE_NOT_SUPPORTED");
    assertThat(info.getMetadataMap())
        .containsEntry("app", JWT_APP)
        .containsEntry("app_type", "JWT");
  }

  @Test
  void startAuthorizationWithAReturnUriOffTheAllowlistIsInvalid() {
    Throwable thrown =
        catchThrowable(
            () ->
                auth.startAuthorization(
                    startRequest("main").setReturnUri("https://evil.example/steal").build()));

    assertError(thrown, Status.Code.INVALID_ARGUMENT, "RETURN_URI_NOT_ALLOWED");
    assertThat(violatedFields(thrown)).containsExactly("return_uri");
  }

  @Test
  void startAuthorizationNamesEveryBadFieldAtOnce() {
    Throwable thrown =
        catchThrowable(
            () ->
                auth.startAuthorization(
                    startRequest("Bad_Id")
                        .setParent("tenants/")
                        .setApp("apps/")
                        .setSubject("")
                        .setReturnUri("https://app.example/a b")
                        .build()));

    assertError(thrown, Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT");
    assertThat(violatedFields(thrown))
        .containsExactly("parent", "app", "connection_id", "subject", "return_uri");
  }

  @Test
  void startAuthorizationWithAMalformedConnectionIdNamesThatField() {
    Throwable thrown =
        catchThrowable(
            () -> auth.startAuthorization(startRequest("x").setConnectionId("-x").build()));

    assertError(thrown, Status.Code.INVALID_ARGUMENT, "INVALID_RESOURCE_NAME");
    assertThat(violatedFields(thrown)).containsExactly("connection_id");
  }

  // --- CompleteAuthorization and GetAuthorization ---

  @Test
  void completeAuthorizationCreatesAnActiveConnectionThatCarriesNoToken() {
    Authorization pending = auth.startAuthorization(startRequest("main").build());

    Connection connection = auth.completeAuthorization(gateway.approve(pending));

    assertThat(connection.getName()).isEqualTo(connectionName("main"));
    assertThat(connection.getApp()).isEqualTo(WEB_APP);
    assertThat(connection.getSubject()).isEqualTo("user-main");
    assertThat(connection.getState()).isEqualTo(Connection.State.ACTIVE);
    assertThat(ProtoMapping.toInstant(connection.getCreateTime())).isEqualTo(START);
    assertThat(ProtoMapping.toInstant(connection.getUpdateTime())).isEqualTo(START);
    assertThat(ProtoMapping.toInstant(connection.getAccessTokenExpireTime()))
        .isEqualTo(START.plus(TOKEN_LIFETIME));
    assertThat(connection.hasLastRefreshTime()).isFalse();
    assertNoToken(connection);
    assertThat(
            auth.getConnection(
                GetConnectionRequest.newBuilder().setName(connection.getName()).build()))
        .isEqualTo(connection);

    Authorization completed = auth.getAuthorization(getAuthorization(pending.getName()));
    assertThat(completed.getState()).isEqualTo(Authorization.State.COMPLETED);
    assertThat(completed.getAuthorizeUri()).isEmpty();
  }

  @Test
  void aReplayedStateIsInvalidAndChangesNothing() {
    Authorization pending = auth.startAuthorization(startRequest("main").build());
    CompleteAuthorizationRequest redirect = gateway.approve(pending);
    Connection created = auth.completeAuthorization(redirect);
    gateway.clock.advance(java.time.Duration.ofMinutes(1));

    Throwable thrown = catchThrowable(() -> auth.completeAuthorization(redirect));

    assertError(thrown, Status.Code.INVALID_ARGUMENT, "AUTHORIZATION_STATE_INVALID");
    assertThat(violatedFields(thrown)).containsExactly("state");
    assertThat(auth.listConnections(list(TENANT, 0, "")).getConnectionsList())
        .containsExactly(created);
  }

  @Test
  void anUnknownStateIsInvalidAndCreatesNothing() {
    Throwable thrown =
        catchThrowable(
            () ->
                auth.completeAuthorization(
                    CompleteAuthorizationRequest.newBuilder()
                        .setState("made-up-state")
                        .setCode("code_1")
                        .build()));

    assertError(thrown, Status.Code.INVALID_ARGUMENT, "AUTHORIZATION_STATE_INVALID");
    assertThat(violatedFields(thrown)).containsExactly("state");
    assertThat(auth.listConnections(list(TENANT, 0, "")).getConnectionsList()).isEmpty();
  }

  @Test
  void completeAuthorizationNamesBothMissingFields() {
    Throwable thrown =
        catchThrowable(
            () -> auth.completeAuthorization(CompleteAuthorizationRequest.getDefaultInstance()));

    assertError(thrown, Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT");
    assertThat(violatedFields(thrown)).containsExactly("state", "code");
  }

  @Test
  void aCodeCozeRejectsFailsThePreconditionAndMarksTheAuthorizationFailed() {
    Authorization pending = auth.startAuthorization(startRequest("main").build());
    String state = query(pending.getAuthorizeUri()).get("state");

    Throwable thrown =
        catchThrowable(
            () ->
                auth.completeAuthorization(
                    CompleteAuthorizationRequest.newBuilder()
                        .setState(state)
                        .setCode("forged")
                        .build()));

    ErrorInfo info = assertError(thrown, Status.Code.FAILED_PRECONDITION, "CODE_EXCHANGE_FAILED");
    assertThat(info.getMetadataMap()).containsEntry("coze_logid", "logid-exchange");
    Authorization failed = auth.getAuthorization(getAuthorization(pending.getName()));
    assertThat(failed.getState()).isEqualTo(Authorization.State.FAILED);
    assertThat(failed.getError().getReason()).isEqualTo("CODE_EXCHANGE_FAILED");
    assertThat(failed.getError().getCozeLogid()).isEqualTo("logid-exchange");
  }

  @Test
  void aDeclinedAuthorizationIsRecordedAndReportedAsDenied() {
    Authorization pending = auth.startAuthorization(startRequest("main").build());
    String state = query(pending.getAuthorizeUri()).get("state");

    Throwable thrown =
        catchThrowable(
            () ->
                auth.completeAuthorization(
                    CompleteAuthorizationRequest.newBuilder()
                        .setState(state)
                        .setError("access_denied")
                        .setErrorDescription("the user pressed Deny")
                        .build()));

    assertError(thrown, Status.Code.FAILED_PRECONDITION, "AUTHORIZATION_DENIED");
    Authorization denied = auth.getAuthorization(getAuthorization(pending.getName()));
    assertThat(denied.getState()).isEqualTo(Authorization.State.DENIED);
    assertThat(denied.getError().getReason()).isEqualTo("AUTHORIZATION_DENIED");
    assertThat(denied.getError().getMessage()).contains("access_denied");
    assertThat(auth.listConnections(list(TENANT, 0, "")).getConnectionsList()).isEmpty();
  }

  @Test
  void getAuthorizationShowsPendingThenExpired() {
    Authorization pending = auth.startAuthorization(startRequest("main").build());

    assertThat(auth.getAuthorization(getAuthorization(pending.getName()))).isEqualTo(pending);

    gateway.clock.advance(java.time.Duration.ofMinutes(10));
    Authorization expired = auth.getAuthorization(getAuthorization(pending.getName()));
    assertThat(expired.getState()).isEqualTo(Authorization.State.EXPIRED);
    assertThat(expired.getAuthorizeUri()).isEmpty();
  }

  @Test
  void getAuthorizationOfAnUnknownNameIsNotFound() {
    Throwable thrown =
        catchThrowable(
            () -> auth.getAuthorization(getAuthorization(TENANT + "/authorizations/nope")));

    assertError(thrown, Status.Code.NOT_FOUND, "AUTHORIZATION_NOT_FOUND");
  }

  // --- Device authorizations ---

  private StartDeviceAuthorizationRequest.Builder deviceRequest(String app) {
    return StartDeviceAuthorizationRequest.newBuilder()
        .setParent(TENANT)
        .setApp(app)
        .setConnectionId("tv")
        .setSubject("user-tv");
  }

  @Test
  void startDeviceAuthorizationReturnsTheCodesToShowTheEndUser() {
    Authorization started =
        auth.startDeviceAuthorization(deviceRequest(TestGateway.DEVICE_APP).build());

    assertThat(started.getState()).isEqualTo(Authorization.State.PENDING);
    assertThat(started.getAuthorizeUri()).isEmpty();
    assertThat(started.getDevice().getUserCode()).startsWith("FAKE-");
    assertThat(started.getDevice().getVerificationUri()).startsWith("https://www.coze.cn/");
    assertThat(started.getDevice().getVerificationUriComplete())
        .endsWith("user_code=" + started.getDevice().getUserCode());
    assertThat(started.getDevice().getInterval().getSeconds()).isEqualTo(5);
    assertThat(started.getConnection()).isEqualTo(TestGateway.connectionName("tv"));
    assertThat(
            auth.getAuthorization(
                GetAuthorizationRequest.newBuilder().setName(started.getName()).build()))
        .isEqualTo(started);
  }

  @Test
  void startDeviceAuthorizationNeedsADeviceApp() {
    Throwable thrown =
        catchThrowable(() -> auth.startDeviceAuthorization(deviceRequest(WEB_APP).build()));

    assertError(thrown, Status.Code.FAILED_PRECONDITION, "APP_TYPE_NOT_SUPPORTED");
  }

  @Test
  void startDeviceAuthorizationNamesEveryBadField() {
    Throwable thrown =
        catchThrowable(
            () ->
                auth.startDeviceAuthorization(
                    StartDeviceAuthorizationRequest.newBuilder()
                        .setParent("tenant/x")
                        .setApp("tv")
                        .setConnectionId("Not Valid")
                        .build()));

    assertThat(StatusDetails.violatedFields(thrown))
        .contains("parent", "app", "connection_id", "subject");
  }

  @Test
  void aCancelledAuthorizationIsWatchedToItsEnd() {
    Authorization started =
        auth.startDeviceAuthorization(deviceRequest(TestGateway.DEVICE_APP).build());

    Authorization cancelled =
        auth.cancelAuthorization(
            CancelAuthorizationRequest.newBuilder().setName(started.getName()).build());
    List<Authorization> watched = new java.util.ArrayList<>();
    auth.watchAuthorization(
            WatchAuthorizationRequest.newBuilder().setName(started.getName()).build())
        .forEachRemaining(watched::add);

    assertThat(cancelled.getState()).isEqualTo(Authorization.State.CANCELLED);
    assertThat(watched)
        .extracting(Authorization::getState)
        .containsExactly(Authorization.State.CANCELLED);
    assertError(
        catchThrowable(
            () ->
                auth.cancelAuthorization(
                    CancelAuthorizationRequest.newBuilder().setName(started.getName()).build())),
        Status.Code.FAILED_PRECONDITION,
        "AUTHORIZATION_NOT_PENDING");
  }

  // --- GetAccessToken ---

  @Test
  void aJwtAppSessionGetsItsOwnCachedServiceToken() {
    GetAccessTokenRequest forAlice =
        GetAccessTokenRequest.newBuilder()
            .setAppSession(
                AppSession.newBuilder().setApp(TestGateway.JWT_APP).setSessionName("alice"))
            .build();

    AccessToken first = auth.getAccessToken(forAlice);
    AccessToken again = auth.getAccessToken(forAlice);
    AccessToken forBob =
        auth.getAccessToken(
            forAlice.toBuilder()
                .setAppSession(forAlice.getAppSession().toBuilder().setSessionName("bob"))
                .build());

    assertThat(first.getAccessToken()).startsWith("czs_");
    assertThat(first.getAppSession().getSessionName()).isEqualTo("alice");
    assertThat(first.getConnection()).isEmpty();
    assertThat(again.getAccessToken()).isEqualTo(first.getAccessToken());
    assertThat(forBob.getAccessToken()).isNotEqualTo(first.getAccessToken());
    assertThat(gateway.serviceCoze.exchanges()).hasSize(2);
  }

  @Test
  void aServiceTokenNeedsAJwtApp() {
    Throwable thrown =
        catchThrowable(
            () ->
                auth.getAccessToken(
                    GetAccessTokenRequest.newBuilder()
                        .setAppSession(AppSession.newBuilder().setApp(WEB_APP))
                        .build()));

    assertError(thrown, Status.Code.FAILED_PRECONDITION, "APP_TYPE_NOT_SUPPORTED");
  }

  @Test
  void getAccessTokenReturnsTheStoredTokenWhileItIsFresh() {
    gateway.connect(auth, "main");

    AccessToken first = auth.getAccessToken(accessToken("main"));
    AccessToken again = auth.getAccessToken(accessToken("main"));

    assertThat(first.getAccessToken()).startsWith("czu_access_");
    assertThat(first.getConnection()).isEqualTo(connectionName("main"));
    assertThat(ProtoMapping.toInstant(first.getExpireTime())).isEqualTo(START.plus(TOKEN_LIFETIME));
    assertThat(again).isEqualTo(first);
    assertThat(gateway.coze.refreshCalls()).isZero();
  }

  @Test
  void getAccessTokenRefreshesOnceTheTokenHasExpired() {
    gateway.connect(auth, "main");
    AccessToken first = auth.getAccessToken(accessToken("main"));
    gateway.clock.advance(TOKEN_LIFETIME);
    Instant now = gateway.clock.instant();

    AccessToken refreshed = auth.getAccessToken(accessToken("main"));

    assertThat(refreshed.getAccessToken())
        .startsWith("czu_access_")
        .isNotEqualTo(first.getAccessToken());
    assertThat(ProtoMapping.toInstant(refreshed.getExpireTime()))
        .isEqualTo(now.plus(TOKEN_LIFETIME));
    assertThat(gateway.coze.successfulRefreshes()).isEqualTo(1);
    Connection connection = auth.getConnection(getConnection(connectionName("main")));
    assertThat(ProtoMapping.toInstant(connection.getLastRefreshTime())).isEqualTo(now);
    assertNoToken(connection);
  }

  @Test
  void getAccessTokenHonoursMinRemainingLifetime() {
    gateway.connect(auth, "main");
    AccessToken original = auth.getAccessToken(accessToken("main"));
    gateway.clock.advance(java.time.Duration.ofMinutes(10)); // 5 minutes left

    AccessToken enough =
        auth.getAccessToken(
            accessToken("main").toBuilder().setMinRemainingLifetime(minutes(4)).build());
    AccessToken longer =
        auth.getAccessToken(
            accessToken("main").toBuilder().setMinRemainingLifetime(minutes(6)).build());

    assertThat(enough).isEqualTo(original);
    assertThat(longer.getAccessToken()).isNotEqualTo(original.getAccessToken());
    assertThat(gateway.coze.successfulRefreshes()).isEqualTo(1);
  }

  @Test
  void getAccessTokenRejectsAMinRemainingLifetimeOutOfRange() {
    gateway.connect(auth, "main");

    Throwable tooLong =
        catchThrowable(
            () ->
                auth.getAccessToken(
                    accessToken("main").toBuilder().setMinRemainingLifetime(minutes(11)).build()));
    Throwable malformed =
        catchThrowable(
            () ->
                auth.getAccessToken(
                    accessToken("main").toBuilder()
                        .setMinRemainingLifetime(Duration.newBuilder().setSeconds(5).setNanos(-1))
                        .build()));

    assertError(tooLong, Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT");
    assertThat(violatedFields(tooLong)).containsExactly("min_remaining_lifetime");
    assertError(malformed, Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT");
    assertThat(violatedFields(malformed)).containsExactly("min_remaining_lifetime");
  }

  @Test
  void getAccessTokenWithoutAPrincipalIsInvalid() {
    Throwable thrown =
        catchThrowable(() -> auth.getAccessToken(GetAccessTokenRequest.getDefaultInstance()));

    assertError(thrown, Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT");
    assertThat(violatedFields(thrown)).containsExactly("connection");
  }

  @Test
  void getAccessTokenAfterCozeRejectsTheRefreshTokenNeedsReauthorization() {
    gateway.connect(auth, "main");
    gateway.coze.revokeAllRefreshTokens();
    gateway.clock.advance(TOKEN_LIFETIME);

    Throwable thrown = catchThrowable(() -> auth.getAccessToken(accessToken("main")));

    ErrorInfo info = assertError(thrown, Status.Code.FAILED_PRECONDITION, "NEEDS_REAUTHORIZATION");
    assertThat(info.getMetadataMap())
        .containsEntry("connection", connectionName("main"))
        .containsEntry("coze_error_code", "invalid_grant");
    assertThat(auth.getConnection(getConnection(connectionName("main"))).getState())
        .isEqualTo(Connection.State.NEEDS_REAUTHORIZATION);
    Throwable again = catchThrowable(() -> auth.getAccessToken(accessToken("main")));
    assertError(again, Status.Code.FAILED_PRECONDITION, "NEEDS_REAUTHORIZATION");
  }

  @Test
  void getAccessTokenWhileCozeIsDownIsUnavailable() {
    gateway.connect(auth, "main");
    gateway.coze.setUnavailable(true);
    gateway.clock.advance(TOKEN_LIFETIME);

    Throwable thrown = catchThrowable(() -> auth.getAccessToken(accessToken("main")));

    assertError(thrown, Status.Code.UNAVAILABLE, "COZE_UNAVAILABLE");
  }

  @Test
  void tokensThatFailTheirIntegrityCheckAreInternalWithoutDetail() {
    gateway.connect(auth, "main");
    ConnectionName name = ConnectionName.parse(connectionName("main"), "name");
    dev.cozegateway.domain.Connection stored = gateway.connections.find(name).orElseThrow();
    gateway.connections.put(
        new dev.cozegateway.domain.Connection(
            stored.name(),
            stored.app(),
            stored.subject(),
            stored.state(),
            stored.createTime(),
            stored.updateTime(),
            stored.accessTokenExpireTime(),
            stored.lastRefreshTime(),
            // Tokens copied from another record: they fail to open for this one.
            new FakeSecretVault()
                .seal(
                    new byte[] {1, 2, 3},
                    dev.cozegateway.domain.Connection.tokenContext(
                        ConnectionName.parse(connectionName("other"), "name"))),
            stored.version()));

    try (LogCapture log = LogCapture.of(GrpcErrors.class)) {
      Throwable thrown = catchThrowable(() -> auth.getAccessToken(accessToken("main")));

      assertError(thrown, Status.Code.INTERNAL, "DATA_CORRUPT");
      assertThat(message(thrown)).isEqualTo("internal error");
      assertThat(log.events())
          .singleElement()
          .satisfies(e -> assertThat(e.getLevel()).isEqualTo(Level.ERROR));
    }
  }

  // --- GetConnection, ListConnections, DeleteConnection ---

  @Test
  void listConnectionsPagesThroughEveryConnectionInOrder() {
    for (int i = 1; i <= 5; i++) {
      gateway.connect(auth, "conn-" + i);
    }

    ListConnectionsResponse first = auth.listConnections(list(TENANT, 2, ""));
    ListConnectionsResponse second =
        auth.listConnections(list(TENANT, 2, first.getNextPageToken()));
    ListConnectionsResponse third =
        auth.listConnections(list(TENANT, 2, second.getNextPageToken()));

    assertThat(names(first)).containsExactly(connectionName("conn-1"), connectionName("conn-2"));
    assertThat(first.getNextPageToken()).isNotEmpty();
    assertThat(names(second)).containsExactly(connectionName("conn-3"), connectionName("conn-4"));
    assertThat(second.getNextPageToken()).isNotEmpty();
    assertThat(names(third)).containsExactly(connectionName("conn-5"));
    assertThat(third.getNextPageToken()).isEmpty();
    ListConnectionsResponse all = auth.listConnections(list(TENANT, 0, ""));
    assertThat(all.getConnectionsCount()).isEqualTo(5);
    assertThat(all.getNextPageToken()).isEmpty();
    all.getConnectionsList().forEach(AuthGrpcServiceTest::assertNoToken);
  }

  @Test
  void listConnectionsRejectsAPageTokenItDidNotIssue() {
    for (int i = 1; i <= 3; i++) {
      gateway.connect(auth, "conn-" + i);
    }
    String othersToken = auth.listConnections(list(TENANT, 1, "")).getNextPageToken();

    Throwable garbage = catchThrowable(() -> auth.listConnections(list(TENANT, 2, "not*a*token")));
    Throwable foreign =
        catchThrowable(() -> auth.listConnections(list("tenants/other", 2, othersToken)));
    Throwable negative = catchThrowable(() -> auth.listConnections(list(TENANT, -1, "")));

    assertError(garbage, Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT");
    assertThat(violatedFields(garbage)).containsExactly("page_token");
    assertError(foreign, Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT");
    assertThat(violatedFields(foreign)).containsExactly("page_token");
    assertError(negative, Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT");
    assertThat(violatedFields(negative)).containsExactly("page_size");
  }

  @Test
  void aDeletedConnectionIsNotFound() {
    gateway.connect(auth, "main");

    Empty deleted =
        auth.deleteConnection(
            DeleteConnectionRequest.newBuilder().setName(connectionName("main")).build());

    assertThat(deleted).isEqualTo(Empty.getDefaultInstance());
    Throwable get = catchThrowable(() -> auth.getConnection(getConnection(connectionName("main"))));
    assertError(get, Status.Code.NOT_FOUND, "CONNECTION_NOT_FOUND");
    Throwable token = catchThrowable(() -> auth.getAccessToken(accessToken("main")));
    assertError(token, Status.Code.NOT_FOUND, "CONNECTION_NOT_FOUND");
    Throwable again =
        catchThrowable(
            () ->
                auth.deleteConnection(
                    DeleteConnectionRequest.newBuilder().setName(connectionName("main")).build()));
    assertError(again, Status.Code.NOT_FOUND, "CONNECTION_NOT_FOUND");
  }

  // --- malformed resource names, every RPC that takes one ---

  /** An RPC and the request field that carries a resource name. */
  enum NamedField {
    GET_CONNECTION_NAME("name") {
      @Override
      void call(AuthServiceBlockingStub auth, String value) {
        auth.getConnection(GetConnectionRequest.newBuilder().setName(value).build());
      }
    },
    DELETE_CONNECTION_NAME("name") {
      @Override
      void call(AuthServiceBlockingStub auth, String value) {
        auth.deleteConnection(DeleteConnectionRequest.newBuilder().setName(value).build());
      }
    },
    GET_ACCESS_TOKEN_CONNECTION("connection") {
      @Override
      void call(AuthServiceBlockingStub auth, String value) {
        auth.getAccessToken(GetAccessTokenRequest.newBuilder().setConnection(value).build());
      }
    },
    GET_AUTHORIZATION_NAME("name") {
      @Override
      void call(AuthServiceBlockingStub auth, String value) {
        auth.getAuthorization(GetAuthorizationRequest.newBuilder().setName(value).build());
      }
    },
    START_AUTHORIZATION_PARENT("parent") {
      @Override
      void call(AuthServiceBlockingStub auth, String value) {
        auth.startAuthorization(startRequest("main").setParent(value).build());
      }
    },
    START_AUTHORIZATION_APP("app") {
      @Override
      void call(AuthServiceBlockingStub auth, String value) {
        auth.startAuthorization(startRequest("main").setApp(value).build());
      }
    },
    LIST_CONNECTIONS_PARENT("parent") {
      @Override
      void call(AuthServiceBlockingStub auth, String value) {
        auth.listConnections(ListConnectionsRequest.newBuilder().setParent(value).build());
      }
    };

    final String field;

    NamedField(String field) {
      this.field = field;
    }

    abstract void call(AuthServiceBlockingStub auth, String value);
  }

  static Stream<Arguments> malformedNames() {
    return Stream.of(NamedField.values())
        .flatMap(
            rpc ->
                Stream.of("", "tenants/", "foo/bar", "tenants/A/connections/x", "apps/Bad")
                    .map(name -> Arguments.of(rpc, name)));
  }

  @ParameterizedTest(name = "{0} = \"{1}\"")
  @MethodSource("malformedNames")
  void aMalformedResourceNameIsInvalidAndNamesItsField(NamedField rpc, String name) {
    Throwable thrown = catchThrowable(() -> rpc.call(auth, name));

    assertError(thrown, Status.Code.INVALID_ARGUMENT, "INVALID_RESOURCE_NAME");
    assertThat(violatedFields(thrown)).containsExactly(rpc.field);
    assertThat(message(thrown)).startsWith(rpc.field + ": must be a resource name of the form");
  }

  // --- failures that are not the gateway's own ---

  @Test
  void anUnexpectedFailureIsInternalAndKeepsItsDetailInTheServerLog() throws Exception {
    stopServer();
    serve(gateway.useCases(new BrokenConnectionStore()));

    try (LogCapture log = LogCapture.of(GrpcErrors.class)) {
      Throwable thrown =
          catchThrowable(() -> auth.getConnection(getConnection(connectionName("main"))));

      ErrorInfo info = assertError(thrown, Status.Code.INTERNAL, "INTERNAL");
      assertThat(info.getMetadataMap()).isEmpty();
      assertThat(message(thrown)).isEqualTo("internal error");
      assertThat(thrown).hasNoCause();
      assertThat(thrown.toString()).doesNotContain(BrokenConnectionStore.DETAIL);
      assertThat(log.events())
          .singleElement()
          .satisfies(
              event -> {
                assertThat(event.getLevel()).isEqualTo(Level.ERROR);
                assertThat(event.getThrowableProxy().getMessage())
                    .contains(BrokenConnectionStore.DETAIL);
                assertThat(event.getThrowableProxy().getStackTraceElementProxyArray()).isNotEmpty();
              });
    }
  }

  /**
   * A store whose backend fails in a way no adapter translated: a bug, as far as the edge knows.
   */
  private static final class BrokenConnectionStore implements ConnectionStore {
    static final String DETAIL = "redis at secret-host.internal:6379 said WRONGPASS";

    @Override
    public Optional<dev.cozegateway.domain.Connection> find(ConnectionName name) {
      throw new IllegalStateException(DETAIL);
    }

    @Override
    public void put(dev.cozegateway.domain.Connection connection) {
      throw new IllegalStateException(DETAIL);
    }

    @Override
    public boolean replaceIfVersion(
        dev.cozegateway.domain.Connection updated, long expectedVersion) {
      throw new IllegalStateException(DETAIL);
    }

    @Override
    public boolean delete(ConnectionName name) {
      throw new IllegalStateException(DETAIL);
    }

    @Override
    public List<dev.cozegateway.domain.Connection> list(
        TenantId tenant, String afterConnectionId, int limit) {
      throw new IllegalStateException(DETAIL);
    }

    @Override
    public void forEachConnection(
        java.util.function.Consumer<dev.cozegateway.domain.Connection> visitor) {
      throw new IllegalStateException(DETAIL);
    }
  }

  // --- helpers ---

  private static void assertNoToken(Connection connection) {
    String everything = connection.toString() + connection.toByteString().toStringUtf8();
    assertThat(everything).doesNotContain("czu_").doesNotContain("rt_");
  }

  private static GetAccessTokenRequest accessToken(String connectionId) {
    return GetAccessTokenRequest.newBuilder().setConnection(connectionName(connectionId)).build();
  }

  private static GetConnectionRequest getConnection(String name) {
    return GetConnectionRequest.newBuilder().setName(name).build();
  }

  private static GetAuthorizationRequest getAuthorization(String name) {
    return GetAuthorizationRequest.newBuilder().setName(name).build();
  }

  private static ListConnectionsRequest list(String parent, int pageSize, String pageToken) {
    return ListConnectionsRequest.newBuilder()
        .setParent(parent)
        .setPageSize(pageSize)
        .setPageToken(pageToken)
        .build();
  }

  private static List<String> names(ListConnectionsResponse response) {
    return response.getConnectionsList().stream().map(Connection::getName).toList();
  }

  private static Duration minutes(long minutes) {
    return Duration.newBuilder().setSeconds(minutes * 60).build();
  }
}
