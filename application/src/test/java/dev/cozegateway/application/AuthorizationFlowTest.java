package dev.cozegateway.application;

import static dev.cozegateway.application.AuthFixture.RETURN_URI;
import static dev.cozegateway.application.AuthFixture.TENANT;
import static dev.cozegateway.application.AuthFixture.WEB_APP;
import static dev.cozegateway.application.AuthFixture.connection;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.TokenSet;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthorizationFlowTest {
  private final AuthFixture fx = new AuthFixture();

  @Test
  void startReturnsPendingAuthorizationWithStateAndS256Challenge() {
    AuthorizationDetails details = fx.start("alice");

    assertThat(details.authorization().state()).isEqualTo(AuthorizationState.PENDING);
    assertThat(details.authorization().expireTime())
        .isEqualTo(fx.clock.instant().plus(Duration.ofMinutes(10)));
    String state = AuthFixture.queryParameter(details.authorizeUri(), "state");
    assertThat(state).hasSizeGreaterThanOrEqualTo(43); // 256 bits, base64url
    assertThat(AuthFixture.queryParameter(details.authorizeUri(), "code_challenge_method"))
        .isEqualTo("S256");
    // The state is stored only as its hash.
    assertThat(details.authorization().stateHash()).isEqualTo(Codes.sha256(state));
  }

  @Test
  void twoStartsUseDifferentStates() {
    String first = AuthFixture.queryParameter(fx.start("alice").authorizeUri(), "state");
    String second = AuthFixture.queryParameter(fx.start("alice").authorizeUri(), "state");
    assertThat(first).isNotEqualTo(second);
  }

  @Test
  void completingCreatesAnActiveConnectionWithSealedTokens() {
    String[] stateAndCode = fx.approve(fx.start("alice"));

    CompleteAuthorization.Completion done =
        fx.useCases
            .completeAuthorization()
            .execute(CompleteAuthorization.Command.approved(stateAndCode[0], stateAndCode[1]));

    assertThat(done.authorization().state()).isEqualTo(AuthorizationState.COMPLETED);
    // Finished, it keeps no sealed verifier or state.
    assertThat(fx.authorizations.find(done.authorization().name()).orElseThrow().secrets())
        .isEqualTo(dev.cozegateway.domain.Authorization.NO_SECRETS);
    assertThat(done.connection().state()).isEqualTo(ConnectionState.ACTIVE);
    assertThat(fx.connections.find(connection("alice"))).contains(done.connection());
    TokenSet tokens =
        SecretCodec.decodeTokens(
            fx.vault.open(
                done.connection().tokens(),
                dev.cozegateway.domain.Connection.tokenContext(connection("alice"))));
    assertThat(tokens.accessToken().reveal()).startsWith("czu_");
    assertThat(done.connection().accessTokenExpireTime()).isEqualTo(tokens.accessTokenExpireTime());
  }

  @Test
  void aStateWorksOnceAndAReplayCreatesNothing() {
    String[] stateAndCode = fx.approve(fx.start("alice"));
    var complete = fx.useCases.completeAuthorization();
    complete.execute(CompleteAuthorization.Command.approved(stateAndCode[0], stateAndCode[1]));
    fx.useCases.deleteConnection().execute(connection("alice"));

    assertThatThrownBy(
            () ->
                complete.execute(
                    CompleteAuthorization.Command.approved(stateAndCode[0], stateAndCode[1])))
        .isInstanceOfSatisfying(
            GatewayException.InvalidArgument.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.AUTHORIZATION_STATE_INVALID);
              assertThat(e.violations()).extracting("field").containsExactly("state");
            });
    assertThat(fx.connections.find(connection("alice"))).isEmpty();
  }

  @Test
  void anUnknownStateIsRejected() {
    assertThatThrownBy(
            () ->
                fx.useCases
                    .completeAuthorization()
                    .execute(CompleteAuthorization.Command.approved("not-a-state", "code_1")))
        .isInstanceOfSatisfying(
            GatewayException.InvalidArgument.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.AUTHORIZATION_STATE_INVALID));
  }

  @Test
  void anAuthorizationExpiresAfterTenMinutesAndSaysSo() {
    AuthorizationDetails details = fx.start("alice");
    String[] stateAndCode = fx.approve(details);
    fx.clock.advance(Duration.ofMinutes(10));

    CompleteAuthorization.Completion done =
        fx.useCases
            .completeAuthorization()
            .execute(CompleteAuthorization.Command.approved(stateAndCode[0], stateAndCode[1]));

    assertThat(done.authorization().state()).isEqualTo(AuthorizationState.EXPIRED);
    assertThatThrownBy(done::requireConnection)
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.AUTHORIZATION_EXPIRED));
    assertThat(
            fx.useCases
                .getAuthorization()
                .execute(details.authorization().name())
                .authorization()
                .state())
        .isEqualTo(AuthorizationState.EXPIRED);
    assertThat(fx.connections.find(connection("alice"))).isEmpty();
  }

  @Test
  void aDeniedCallbackMarksTheAuthorizationDenied() {
    AuthorizationDetails details = fx.start("alice");
    String state = AuthFixture.queryParameter(details.authorizeUri(), "state");

    CompleteAuthorization.Completion done =
        fx.useCases
            .completeAuthorization()
            .execute(new CompleteAuthorization.Command(state, "", "access_denied", "user said no"));

    assertThat(done.authorization().state()).isEqualTo(AuthorizationState.DENIED);
    assertThat(done.authorization().error().reason()).isEqualTo("AUTHORIZATION_DENIED");
    assertThat(done.authorization().error().message()).contains("access_denied", "user said no");
    assertThat(done.connection()).isNull();
    assertThatThrownBy(done::requireConnection)
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.AUTHORIZATION_DENIED));
    assertThat(fx.connections.find(connection("alice"))).isEmpty();
  }

  @Test
  void aRejectedCodeFailsTheAuthorization() {
    AuthorizationDetails details = fx.start("alice");
    String state = AuthFixture.queryParameter(details.authorizeUri(), "state");

    CompleteAuthorization.Completion done =
        fx.useCases
            .completeAuthorization()
            .execute(CompleteAuthorization.Command.approved(state, "code_forged"));

    assertThat(done.authorization().error().reason()).isEqualTo("CODE_EXCHANGE_FAILED");
    assertThatThrownBy(done::requireConnection)
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.CODE_EXCHANGE_FAILED));
    assertThat(
            fx.useCases
                .getAuthorization()
                .execute(details.authorization().name())
                .authorization()
                .state())
        .isEqualTo(AuthorizationState.FAILED);
  }

  @Test
  void theReturnUriMustBeAllowlisted() {
    var start = fx.useCases.startAuthorization();
    assertThat(
            start
                .execute(
                    new StartAuthorization.Command(
                        TENANT, WEB_APP, connection("a"), "u", RETURN_URI, "", ""))
                .authorization()
                .returnUri())
        .isEqualTo(RETURN_URI);
    assertThatThrownBy(
            () ->
                start.execute(
                    new StartAuthorization.Command(
                        TENANT,
                        WEB_APP,
                        connection("a"),
                        "u",
                        URI.create("https://evil.example.com/done"),
                        "",
                        "")))
        .isInstanceOfSatisfying(
            GatewayException.InvalidArgument.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.RETURN_URI_NOT_ALLOWED);
              assertThat(e.violations()).extracting("field").containsExactly("return_uri");
            });
  }

  @Test
  void onlyBrowserAppsCanStartAnAuthorization() {
    assertThatThrownBy(
            () ->
                fx.useCases
                    .startAuthorization()
                    .execute(
                        new StartAuthorization.Command(
                            TENANT, AuthFixture.DEVICE_APP, connection("a"), "u", null, "", "")))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.APP_TYPE_NOT_SUPPORTED));
  }

  @Test
  void aRequestIdMakesStartIdempotent() {
    var start = fx.useCases.startAuthorization();
    var command =
        new StartAuthorization.Command(TENANT, WEB_APP, connection("a"), "u", null, "", "r-1");

    AuthorizationDetails first = start.execute(command);
    AuthorizationDetails again = start.execute(command);

    assertThat(again.authorization().name()).isEqualTo(first.authorization().name());
    assertThat(again.authorizeUri()).isEqualTo(first.authorizeUri());
    assertThatThrownBy(
            () ->
                start.execute(
                    new StartAuthorization.Command(
                        TENANT, WEB_APP, connection("b"), "u", null, "", "r-1")))
        .isInstanceOfSatisfying(
            GatewayException.AlreadyExists.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.REQUEST_ID_CONFLICT));
  }

  @Test
  void reauthorizingReplacesTheConnectionAndKeepsItsCreateTime() {
    var first = fx.connect("alice");
    var created = fx.connections.find(first).orElseThrow();
    fx.clock.advance(Duration.ofHours(1));

    fx.connect("alice");

    var replaced = fx.connections.find(first).orElseThrow();
    assertThat(replaced.createTime()).isEqualTo(created.createTime());
    assertThat(replaced.updateTime()).isAfter(created.updateTime());
    assertThat(replaced.version()).isGreaterThan(created.version());
  }

  @Test
  void anUnreachableCozeFailsTheAuthorizationWithoutInvitingABlindRetry() {
    AuthorizationDetails details = fx.start("alice");
    String[] stateAndCode = fx.approve(details);
    fx.coze.setUnavailable(true);

    CompleteAuthorization.Completion done =
        fx.useCases
            .completeAuthorization()
            .execute(CompleteAuthorization.Command.approved(stateAndCode[0], stateAndCode[1]));

    assertThatThrownBy(done::requireConnection)
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.CODE_EXCHANGE_FAILED));
    var failed = fx.useCases.getAuthorization().execute(details.authorization().name());
    assertThat(failed.authorization().state()).isEqualTo(AuthorizationState.FAILED);
    assertThat(failed.authorization().error().reason()).isEqualTo("COZE_UNAVAILABLE");
    assertThat(fx.connections.find(connection("alice"))).isEmpty();
  }

  @Test
  void aMalformedRequestIdIsRefused() {
    assertThatThrownBy(
            () ->
                fx.useCases
                    .startAuthorization()
                    .execute(
                        new StartAuthorization.Command(
                            TENANT, WEB_APP, connection("a"), "u", null, "", "not a uuid!")))
        .isInstanceOfSatisfying(
            GatewayException.InvalidArgument.class,
            e -> assertThat(e.violations()).extracting("field").containsExactly("request_id"));
  }

  @Test
  void aWorkspaceIdScopesTheAuthorizeUriAndSurvivesARead() {
    AuthorizationDetails details = startInWorkspace("alice", "7390000000000000001", "");

    assertThat(details.authorizeUri().getPath())
        .isEqualTo("/api/permission/oauth2/workspace_id/7390000000000000001/authorize");
    // Rebuilt from the sealed secrets, it names the same workspace.
    assertThat(
            fx.useCases.getAuthorization().execute(details.authorization().name()).authorizeUri())
        .isEqualTo(details.authorizeUri());
    String[] stateAndCode = fx.approve(details);
    assertThat(
            fx.useCases
                .completeAuthorization()
                .execute(CompleteAuthorization.Command.approved(stateAndCode[0], stateAndCode[1]))
                .connection()
                .state())
        .isEqualTo(ConnectionState.ACTIVE);
  }

  @Test
  void withoutAWorkspaceIdTheAuthorizeUriIsThePlainOne() {
    assertThat(fx.start("alice").authorizeUri().getPath())
        .isEqualTo("/api/permission/oauth2/authorize");
  }

  @Test
  void aMalformedWorkspaceIdIsRefused() {
    for (String workspaceId : List.of("abc", "12/34", " 1", "1".repeat(33))) {
      assertThatThrownBy(() -> startInWorkspace("a", workspaceId, ""))
          .as(workspaceId)
          .isInstanceOfSatisfying(
              GatewayException.InvalidArgument.class,
              e -> assertThat(e.violations()).extracting("field").containsExactly("workspace_id"));
    }
  }

  @Test
  void aRequestIdReusedForAnotherWorkspaceIsAConflict() {
    AuthorizationDetails first = startInWorkspace("a", "111", "r-1");

    assertThat(startInWorkspace("a", "111", "r-1").authorizeUri()).isEqualTo(first.authorizeUri());
    for (String otherWorkspace : List.of("222", "")) {
      assertThatThrownBy(() -> startInWorkspace("a", otherWorkspace, "r-1"))
          .isInstanceOfSatisfying(
              GatewayException.AlreadyExists.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.REQUEST_ID_CONFLICT));
    }
  }

  @Test
  void secretsSealedInTheFirstLayoutReadAsNoWorkspace() throws Exception {
    // Verifier and state only, as written before workspace-scoped authorize URIs.
    ByteArrayOutputStream v1 = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(v1)) {
      out.writeByte(1);
      out.writeUTF("old-verifier");
      out.writeUTF("old-state");
    }
    AuthorizationName name = new AuthorizationName(TENANT, "old");
    fx.authorizations.create(
        new Authorization(
            name,
            WEB_APP,
            connection("alice"),
            "user-1",
            AuthorizationState.PENDING,
            fx.clock.instant(),
            fx.clock.instant().plus(StartAuthorization.LIFETIME),
            null,
            null,
            Codes.sha256("old-state"),
            fx.vault.seal(v1.toByteArray(), Authorization.secretsContext(name)),
            ""));

    AuthorizationDetails details = fx.useCases.getAuthorization().execute(name);

    assertThat(details.authorizeUri().getPath()).isEqualTo("/api/permission/oauth2/authorize");
    assertThat(AuthFixture.queryParameter(details.authorizeUri(), "state")).isEqualTo("old-state");
    assertThat(AuthFixture.queryParameter(details.authorizeUri(), "code_challenge"))
        .isEqualTo(Codes.s256Challenge("old-verifier"));
    String[] stateAndCode = fx.approve(details);
    assertThat(
            fx.useCases
                .completeAuthorization()
                .execute(CompleteAuthorization.Command.approved(stateAndCode[0], stateAndCode[1]))
                .authorization()
                .state())
        .isEqualTo(AuthorizationState.COMPLETED);
  }

  private AuthorizationDetails startInWorkspace(
      String connectionId, String workspaceId, String requestId) {
    return fx.useCases
        .startAuthorization()
        .execute(
            new StartAuthorization.Command(
                TENANT, WEB_APP, connection(connectionId), "u", null, workspaceId, requestId));
  }
}
