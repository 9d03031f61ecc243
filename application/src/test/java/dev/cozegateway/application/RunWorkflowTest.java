package dev.cozegateway.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.ServiceTokenKey;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunMode;
import dev.cozegateway.domain.WorkflowRunQuery;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.testing.FakeCozeWorkflows.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RunWorkflow, synchronous: the record's life, idempotency, input checks and Coze's errors. */
class RunWorkflowTest {
  private final WorkflowFixture fx = new WorkflowFixture();

  private List<WorkflowRun> allRuns() {
    return fx.runs.list(AuthFixture.TENANT, WorkflowRunQuery.all(100));
  }

  @Test
  void aSyncRunIsRecordedRunningBeforeCozeIsCalledAndSucceededAfter() {
    List<WorkflowRunState> seenByCoze = new ArrayList<>();
    fx.coze.setTokenValidator(
        token -> {
          allRuns().forEach(run -> seenByCoze.add(run.state()));
          return true;
        });

    WorkflowRun run = fx.run(WorkflowFixture.ECHO, "{\"city\":\"Paris\"}");

    assertThat(seenByCoze).containsExactly(WorkflowRunState.RUNNING);
    assertThat(run.state()).isEqualTo(WorkflowRunState.SUCCEEDED);
    assertThat(run.mode()).isEqualTo(WorkflowRunMode.SYNC);
    assertThat(run.output()).isEqualTo("{\"city\":\"Paris\"}");
    assertThat(run.executeId()).isNotEmpty();
    assertThat(run.logId()).isNotEmpty();
    assertThat(run.checkTime()).isNull();
    assertThat(run.connection()).isEqualTo(fx.alice);
    assertThat(fx.runs.find(run.name())).contains(run);
    assertThat(fx.coze.lastCall(Method.RUN).call().parametersJson())
        .isEqualTo("{\"city\":\"Paris\"}");
  }

  @Test
  void theSameRequestIdReturnsTheSameRunAndCallsCozeOnce() {
    WorkflowRequest request = fx.request(WorkflowFixture.ECHO, "{\"n\":1}", "req-1");
    WorkflowRun first = fx.useCases.runWorkflow().execute(new RunWorkflow.Command(request, false));
    WorkflowRun again = fx.useCases.runWorkflow().execute(new RunWorkflow.Command(request, false));

    assertThat(again).isEqualTo(first);
    assertThat(fx.coze.calls(Method.RUN)).isEqualTo(1);
    assertThat(allRuns()).hasSize(1);
  }

  @Test
  void aRequestIdReusedForAnotherRequestIsAConflictAndChangesNothing() {
    fx.useCases
        .runWorkflow()
        .execute(
            new RunWorkflow.Command(fx.request(WorkflowFixture.ECHO, "{\"n\":1}", "req-1"), false));

    assertThatThrownBy(
            () ->
                fx.useCases
                    .runWorkflow()
                    .execute(
                        new RunWorkflow.Command(
                            fx.request(WorkflowFixture.ECHO, "{\"n\":2}", "req-1"), false)))
        .isInstanceOfSatisfying(
            GatewayException.AlreadyExists.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.REQUEST_ID_CONFLICT));
    assertThat(fx.coze.calls(Method.RUN)).isEqualTo(1);
    assertThat(allRuns()).hasSize(1);
  }

  @Test
  void badInputIsRefusedWithEveryViolationBeforeAnythingIsRecordedOrSent() {
    String big = "{\"x\":\"" + "a".repeat(WorkflowSettings.MAX_PARAMETERS_BYTES) + "\"}";

    assertThatThrownBy(
            () ->
                WorkflowRequest.forConnection(
                    AuthFixture.TENANT, fx.alice, "wf-1", big, "123", "456", "not a uuid!"))
        .isInstanceOfSatisfying(
            GatewayException.InvalidArgument.class,
            e ->
                assertThat(e.violations())
                    .extracting(GatewayException.FieldViolation::field)
                    .containsExactlyInAnyOrder(
                        "workflow_id", "bot_id", "app_id", "parameters", "request_id"));
    assertThat(allRuns()).isEmpty();
    assertThat(fx.coze.totalCalls()).isZero();
  }

  @Test
  void aConnectionOfAnotherTenantIsRefused() {
    assertThatThrownBy(
            () ->
                WorkflowRequest.forConnection(
                    new dev.cozegateway.domain.TenantId("other"),
                    fx.alice,
                    WorkflowFixture.ECHO,
                    "{}",
                    "",
                    "",
                    ""))
        .isInstanceOfSatisfying(
            GatewayException.InvalidArgument.class,
            e ->
                assertThat(e.violations())
                    .extracting(GatewayException.FieldViolation::field)
                    .containsExactly("connection"));
  }

  @Test
  void anUnknownConnectionIsNotFoundAndNothingIsRecorded() {
    WorkflowRequest request =
        WorkflowRequest.forConnection(
            AuthFixture.TENANT,
            AuthFixture.connection("nobody"),
            WorkflowFixture.ECHO,
            "{}",
            "",
            "",
            "");

    assertThatThrownBy(
            () -> fx.useCases.runWorkflow().execute(new RunWorkflow.Command(request, false)))
        .isInstanceOfSatisfying(
            GatewayException.NotFound.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.CONNECTION_NOT_FOUND));
    assertThat(allRuns()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({
    "4200, NotFound, WORKFLOW_NOT_FOUND",
    "4101, PermissionDenied, WORKFLOW_PERMISSION_DENIED",
    "6003, FailedPrecondition, WORKFLOW_ASYNC_NOT_ALLOWED",
    "4000, InvalidArgument, WORKFLOW_INVALID_PARAMETERS",
    "4009, Unavailable, COZE_UNAVAILABLE",
    "5000, Unavailable, COZE_UNAVAILABLE",
    "4008, FailedPrecondition, WORKFLOW_FAILED",
  })
  void cozeErrorsMapToPreciseFailuresWithCodeAndLogIdAndFailTheRun(
      int code, String type, Reason reason) {
    fx.coze.failNext(code);

    assertThatThrownBy(() -> fx.run(WorkflowFixture.ECHO, "{}"))
        .isInstanceOfSatisfying(
            GatewayException.class,
            e -> {
              assertThat(e.getClass().getSimpleName()).isEqualTo(type);
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.metadata())
                  .containsEntry(GatewayException.COZE_ERROR_CODE, Integer.toString(code))
                  .containsKey(GatewayException.COZE_LOGID);
              assertThat(e.metadata().get(GatewayException.COZE_LOGID)).isNotEmpty();
            });
    WorkflowRun run = allRuns().get(0);
    assertThat(run.state()).isEqualTo(WorkflowRunState.FAILED);
    assertThat(run.error().cozeCode()).isEqualTo(Integer.toString(code));
    assertThat(run.error().reason()).isEqualTo(reason.name());
    assertThat(run.checkTime()).isNull();
  }

  @Test
  void aPermissionRefusalNamesTheRegionAndHost() {
    fx.coze.failNext(4101);

    assertThatThrownBy(() -> fx.run(WorkflowFixture.ECHO, "{}"))
        .isInstanceOfSatisfying(
            GatewayException.PermissionDenied.class,
            e -> assertThat(e.getMessage()).contains("region coze.com").contains("api.coze.com"));
  }

  @Test
  void anUnknownWorkflowIsNotFound() {
    assertThatThrownBy(() -> fx.run(WorkflowFixture.MISSING, "{}"))
        .isInstanceOfSatisfying(
            GatewayException.NotFound.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.WORKFLOW_NOT_FOUND));
  }

  @Test
  void aRefusedTokenIsRefreshedOnceAndTheCallRetried() {
    fx.coze.failNext(4100);

    WorkflowRun run = fx.run(WorkflowFixture.ECHO, "{}");

    assertThat(run.state()).isEqualTo(WorkflowRunState.SUCCEEDED);
    assertThat(fx.coze.calls(Method.RUN)).isEqualTo(2);
    assertThat(fx.auth.coze.successfulRefreshes()).isEqualTo(1);
    assertThat(fx.coze.allCalls().get(1).accessToken())
        .isNotEqualTo(fx.coze.allCalls().get(0).accessToken());
  }

  @Test
  void aTokenRefusedAgainAfterTheRefreshGivesTheConnectionUp() {
    fx.coze.failNext(4100, 2);

    assertThatThrownBy(() -> fx.run(WorkflowFixture.ECHO, "{}"))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.NEEDS_REAUTHORIZATION);
              assertThat(e.getMessage()).contains("region coze.com").contains("api.coze.com");
              assertThat(e.metadata()).containsEntry(GatewayException.COZE_ERROR_CODE, "4100");
            });
    assertThat(fx.coze.calls(Method.RUN)).isEqualTo(2);
    assertThat(fx.auth.connections.find(fx.alice).orElseThrow().state())
        .isEqualTo(ConnectionState.NEEDS_REAUTHORIZATION);
    assertThat(allRuns().get(0).state()).isEqualTo(WorkflowRunState.FAILED);
  }

  @Test
  void aQuestionInterruptsTheRunAndTheRightAnswerFinishesIt() {
    WorkflowRun interrupted = fx.run(WorkflowFixture.QUIZ, "{}");
    assertThat(interrupted.state()).isEqualTo(WorkflowRunState.INTERRUPTED);
    assertThat(interrupted.interrupt().type()).isEqualTo(2);
    assertThat(interrupted.interrupt().eventId()).isNotEmpty();
    assertThat(interrupted.checkTime()).isNull();

    WorkflowFixture.Sink sink = new WorkflowFixture.Sink();
    WorkflowRun done =
        fx.useCases
            .resumeWorkflowRun()
            .execute(
                new ResumeWorkflowRun.Command(
                    interrupted.name(), interrupted.interrupt().eventId(), "Paris", 2),
                sink,
                new RunHandle());

    assertThat(done.state()).isEqualTo(WorkflowRunState.SUCCEEDED);
    assertThat(done.resumeCount()).isEqualTo(1);
    assertThat(done.output()).contains("Paris");
    assertThat(fx.coze.calls(Method.RESUME)).isEqualTo(1);
    assertThat(fx.coze.calls(Method.RESUME_STREAM)).isZero();
    assertThat(sink.events()).hasSize(1);
  }

  @Test
  void onlyTheCurrentInterruptCanBeAnsweredAndOnlyAnInterruptedRun() {
    WorkflowRun interrupted = fx.run(WorkflowFixture.QUIZ, "{}");

    assertThatThrownBy(
            () ->
                fx.useCases
                    .resumeWorkflowRun()
                    .execute(
                        new ResumeWorkflowRun.Command(interrupted.name(), "1/2", "Paris", 5),
                        new WorkflowFixture.Sink(),
                        new RunHandle()))
        .isInstanceOfSatisfying(
            GatewayException.InvalidArgument.class,
            e ->
                assertThat(e.violations())
                    .extracting(GatewayException.FieldViolation::field)
                    .containsExactlyInAnyOrder("event_id", "interrupt_type"));
    WorkflowRun finished = fx.run(WorkflowFixture.ECHO, "{}");
    assertThatThrownBy(
            () ->
                fx.useCases
                    .resumeWorkflowRun()
                    .execute(
                        new ResumeWorkflowRun.Command(finished.name(), "1/2", "x", 2),
                        new WorkflowFixture.Sink(),
                        new RunHandle()))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.WORKFLOW_RUN_STATE_INVALID));
    assertThat(fx.coze.calls(Method.RESUME)).isZero();
  }

  @Test
  void wrongAnswersReinterruptUntilCozeFailsTheRunAndAFourthResumeIsRefusedByTheGateway() {
    WorkflowRun run = fx.run(WorkflowFixture.QUIZ, "{}");
    for (int attempt = 1; attempt <= 3; attempt++) {
      WorkflowRun current = run;
      try {
        run =
            fx.useCases
                .resumeWorkflowRun()
                .execute(
                    new ResumeWorkflowRun.Command(
                        current.name(), current.interrupt().eventId(), "Lyon", 2),
                    new WorkflowFixture.Sink(),
                    new RunHandle());
      } catch (GatewayException e) {
        run = fx.useCases.getWorkflowRun().execute(current.name());
      }
      assertThat(run.resumeCount()).isEqualTo(attempt);
    }
    assertThat(run.state()).isEqualTo(WorkflowRunState.FAILED);
    WorkflowRun failed = run;

    assertThatThrownBy(
            () ->
                fx.useCases
                    .resumeWorkflowRun()
                    .execute(
                        new ResumeWorkflowRun.Command(failed.name(), "1/2", "Paris", 2),
                        new WorkflowFixture.Sink(),
                        new RunHandle()))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.WORKFLOW_RESUME_LIMIT_REACHED));
    assertThat(fx.coze.calls(Method.RESUME)).isEqualTo(3);
  }

  @Test
  void aRunCanActAsAJwtAppSessionWithAMintedServiceToken() {
    ServiceTokenKey session = new ServiceTokenKey(AuthFixture.JWT_APP, "user-7", "");
    WorkflowRequest request = asSession(session, "{\"n\":7}");

    WorkflowRun run = fx.useCases.runWorkflow().execute(new RunWorkflow.Command(request, false));

    assertThat(run.state()).isEqualTo(WorkflowRunState.SUCCEEDED);
    assertThat(run.connection()).isNull();
    assertThat(run.appSession()).isEqualTo(session);
    assertThat(fx.coze.lastCall(Method.RUN).accessToken().reveal()).startsWith("czs_");
    assertThat(fx.serviceCoze.exchanges()).hasSize(1);
    assertThat(fx.serviceCoze.exchanges().get(0).request().sessionName()).isEqualTo("user-7");
  }

  @Test
  void aServiceTokenCozeRefusesIsMintedAgainOnceThenTheAppIsReportedMisconfigured() {
    WorkflowRequest request =
        asSession(new ServiceTokenKey(AuthFixture.JWT_APP, "user-7", ""), "{}");
    fx.coze.failNext(4100);

    WorkflowRun run = fx.useCases.runWorkflow().execute(new RunWorkflow.Command(request, false));

    assertThat(run.state()).isEqualTo(WorkflowRunState.SUCCEEDED);
    assertThat(fx.serviceCoze.exchanges()).hasSize(2);

    fx.coze.failNext(4100, 2);
    assertThatThrownBy(
            () -> fx.useCases.runWorkflow().execute(new RunWorkflow.Command(request, false)))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.APP_MISCONFIGURED);
              assertThat(e.getMessage()).contains("region coze.cn").contains("api.coze.cn");
            });
  }

  @Test
  void aRunNeedsExactlyOnePrincipalAndAJwtAppForASession() {
    assertThatThrownBy(
            () ->
                new WorkflowRequest(
                    AuthFixture.TENANT, null, null, WorkflowFixture.ECHO, "{}", "", "", ""))
        .isInstanceOfSatisfying(
            GatewayException.InvalidArgument.class,
            e ->
                assertThat(e.violations())
                    .extracting(GatewayException.FieldViolation::field)
                    .containsExactly("connection"));
    WorkflowRequest asWebApp = asSession(new ServiceTokenKey(AuthFixture.WEB_APP, "u", ""), "{}");
    assertThatThrownBy(
            () -> fx.useCases.runWorkflow().execute(new RunWorkflow.Command(asWebApp, false)))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.APP_TYPE_NOT_SUPPORTED));
    assertThat(allRuns()).isEmpty();
  }

  /** A run of the echo workflow as a JWT app's session. */
  private static WorkflowRequest asSession(ServiceTokenKey session, String parametersJson) {
    return new WorkflowRequest(
        AuthFixture.TENANT, null, session, WorkflowFixture.ECHO, parametersJson, "", "", "");
  }
}
