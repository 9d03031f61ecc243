package dev.cozegateway.adapters.grpc;

import static dev.cozegateway.adapters.grpc.StatusDetails.assertError;
import static dev.cozegateway.adapters.grpc.StatusDetails.violatedFields;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.ErrorInfo;
import dev.cozegateway.api.v1.AuthServiceGrpc;
import dev.cozegateway.api.v1.CancelWorkflowRunRequest;
import dev.cozegateway.api.v1.GetWorkflowRunRequest;
import dev.cozegateway.api.v1.ListWorkflowRunsRequest;
import dev.cozegateway.api.v1.ResumeWorkflowRunRequest;
import dev.cozegateway.api.v1.RunWorkflowRequest;
import dev.cozegateway.api.v1.StreamWorkflowRequest;
import dev.cozegateway.api.v1.WorkflowEvent;
import dev.cozegateway.api.v1.WorkflowRun;
import dev.cozegateway.api.v1.WorkflowServiceGrpc;
import dev.cozegateway.api.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import dev.cozegateway.application.AuthUseCases;
import dev.cozegateway.domain.testing.FakeCozeWorkflows.Behaviour;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The WorkflowService over a real in-process channel, on the use cases with fake Coze and stores:
 * request mapping and checks, statuses with details, and streaming with cancellation.
 */
class WorkflowGrpcServiceTest {
  private static final String ECHO = "7431000000000000001";
  private static final String STREAM = "7431000000000000002";
  private static final String QUIZ = "7431000000000000004";

  private final TestGateway gateway = new TestGateway();
  private Server server;
  private ManagedChannel channel;
  private WorkflowServiceBlockingStub workflows;
  private String alice;

  @BeforeEach
  void startServer() throws IOException {
    gateway
        .workflowsCoze
        .register(ECHO, Behaviour.echoes())
        .register(
            STREAM, Behaviour.streams("{\"output\":\"Hello World\"}", List.of("Hello ", "World")))
        .register(QUIZ, Behaviour.asks("Capital of France?", "Paris"));
    AuthUseCases auth = gateway.useCases();
    String name = InProcessServerBuilder.generateName();
    // Not a direct executor: a streaming call blocks its thread while it relays.
    server =
        InProcessServerBuilder.forName(name)
            .addService(gateway.authService(auth))
            .addService(new WorkflowGrpcService(gateway.workflowUseCases(auth)))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
    workflows = WorkflowServiceGrpc.newBlockingStub(channel);
    alice = gateway.connect(AuthServiceGrpc.newBlockingStub(channel), "alice").getName();
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    gateway.workflowsCoze.releaseStreams();
    channel.shutdownNow();
    server.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  private RunWorkflowRequest.Builder run(String workflowId) {
    return RunWorkflowRequest.newBuilder()
        .setParent(TestGateway.TENANT)
        .setConnection(alice)
        .setWorkflowId(workflowId);
  }

  private StreamWorkflowRequest stream(String workflowId) {
    return StreamWorkflowRequest.newBuilder()
        .setParent(TestGateway.TENANT)
        .setConnection(alice)
        .setWorkflowId(workflowId)
        .build();
  }

  private static Struct params(String key, String value) {
    return Struct.newBuilder()
        .putFields(key, Value.newBuilder().setStringValue(value).build())
        .build();
  }

  @Test
  void aSyncRunReturnsTheFinishedRunWithItsOutputAsTextAndAsAStruct() {
    WorkflowRun run =
        workflows.runWorkflow(run(ECHO).setParameters(params("city", "Paris")).build());

    assertThat(run.getState()).isEqualTo(WorkflowRun.State.SUCCEEDED);
    assertThat(run.getMode()).isEqualTo(WorkflowRun.Mode.SYNC);
    assertThat(run.getName()).startsWith(TestGateway.TENANT + "/workflowRuns/");
    assertThat(run.getConnection()).isEqualTo(alice);
    assertThat(run.getOutput()).isEqualTo("{\"city\":\"Paris\"}");
    assertThat(run.getOutputStruct().getFieldsOrThrow("city").getStringValue()).isEqualTo("Paris");
    assertThat(run.getCozeLogid()).isNotEmpty();
    assertThat(
            workflows.getWorkflowRun(
                GetWorkflowRunRequest.newBuilder().setName(run.getName()).build()))
        .isEqualTo(run);
    assertThat(
            workflows
                .listWorkflowRuns(
                    ListWorkflowRunsRequest.newBuilder()
                        .setParent(TestGateway.TENANT)
                        .setWorkflowId(ECHO)
                        .setState(WorkflowRun.State.SUCCEEDED)
                        .setConnection(alice)
                        .build())
                .getWorkflowRunsList())
        .containsExactly(run);
  }

  @Test
  void badRequestsNameEveryBadFieldAndReachNeitherStoreNorCoze() {
    Struct deep = params("leaf", "x");
    for (int i = 0; i < 32; i++) {
      deep =
          Struct.newBuilder()
              .putFields("n", Value.newBuilder().setStructValue(deep).build())
              .build();
    }
    RunWorkflowRequest bad =
        RunWorkflowRequest.newBuilder()
            .setParent("tenants/acme")
            .setConnection("connections/alice")
            .setWorkflowId("wf")
            .setParameters(deep)
            .setBotId("1")
            .setAppId("2")
            .build();

    Throwable thrown = catchThrowable(() -> workflows.runWorkflow(bad));

    assertError(thrown, Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT");
    assertThat(violatedFields(thrown))
        .containsExactlyInAnyOrder("connection", "parameters", "workflow_id", "bot_id", "app_id");
    assertThat(gateway.workflowsCoze.totalCalls()).isZero();
    assertThat(
            workflows
                .listWorkflowRuns(
                    ListWorkflowRunsRequest.newBuilder().setParent(TestGateway.TENANT).build())
                .getWorkflowRunsCount())
        .isZero();
  }

  @Test
  void cozesErrorsArriveAsPreciseStatusesWithTheCodeAndLogId() {
    gateway.workflowsCoze.failNext(4200);

    Throwable thrown = catchThrowable(() -> workflows.runWorkflow(run(ECHO).build()));

    ErrorInfo info = assertError(thrown, Status.Code.NOT_FOUND, "WORKFLOW_NOT_FOUND");
    assertThat(info.getMetadataMap()).containsEntry("coze_error_code", "4200");
    assertThat(info.getMetadataMap().get("coze_logid")).isNotEmpty();
  }

  @Test
  void aStreamRelaysEveryEventNamingItsRunAndEndsAfterDone() {
    List<WorkflowEvent> events = new ArrayList<>();
    workflows.streamWorkflow(stream(STREAM)).forEachRemaining(events::add);

    assertThat(events)
        .extracting(WorkflowEvent::getKindCase)
        .containsExactly(
            WorkflowEvent.KindCase.MESSAGE,
            WorkflowEvent.KindCase.MESSAGE,
            WorkflowEvent.KindCase.MESSAGE,
            WorkflowEvent.KindCase.DONE);
    assertThat(events).extracting(WorkflowEvent::getId).containsExactly(0L, 1L, 2L, 3L);
    assertThat(events.get(0).getMessage().getContent()).isEqualTo("Hello ");
    assertThat(events.get(2).getMessage().getUsage().getTokenCount()).isPositive();
    String runName = events.get(0).getWorkflowRun();
    assertThat(events).allMatch(e -> e.getWorkflowRun().equals(runName));
    WorkflowRun run =
        workflows.getWorkflowRun(GetWorkflowRunRequest.newBuilder().setName(runName).build());
    assertThat(run.getState()).isEqualTo(WorkflowRun.State.SUCCEEDED);
    assertThat(run.getOutputStruct().getFieldsOrThrow("output").getStringValue())
        .isEqualTo("Hello World");
  }

  @Test
  void anErrorBeforeTheStreamStartsIsTheCallsStatus() {
    gateway.workflowsCoze.failNext(4101);

    Throwable thrown =
        catchThrowable(() -> workflows.streamWorkflow(stream(STREAM)).forEachRemaining(e -> {}));

    assertError(thrown, Status.Code.PERMISSION_DENIED, "WORKFLOW_PERMISSION_DENIED");
  }

  @Test
  void cancellingTheCallClosesTheStreamToCozeAndCancelsTheRun() throws Exception {
    gateway.workflowsCoze.holdStreamsAfter(1);
    Context.CancellableContext context = Context.current().withCancellation();
    String runName;
    try {
      runName =
          context.call(
              () -> {
                Iterator<WorkflowEvent> events = workflows.streamWorkflow(stream(STREAM));
                return events.next().getWorkflowRun();
              });
    } finally {
      context.cancel(null);
    }

    assertThat(gateway.workflowsCoze.awaitStreamsClosedByClient(1, Duration.ofSeconds(5))).isTrue();
    GetWorkflowRunRequest get = GetWorkflowRunRequest.newBuilder().setName(runName).build();
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (workflows.getWorkflowRun(get).getState() != WorkflowRun.State.CANCELLED
        && System.nanoTime() < giveUp) {
      Thread.sleep(10);
    }
    assertThat(workflows.getWorkflowRun(get).getState()).isEqualTo(WorkflowRun.State.CANCELLED);
  }

  @Test
  void anInterruptedStreamIsResumedWithTheAnswer() {
    List<WorkflowEvent> first = new ArrayList<>();
    workflows.streamWorkflow(stream(QUIZ)).forEachRemaining(first::add);
    WorkflowEvent interrupt = first.get(first.size() - 1);
    assertThat(interrupt.getKindCase()).isEqualTo(WorkflowEvent.KindCase.INTERRUPT);

    List<WorkflowEvent> second = new ArrayList<>();
    workflows
        .resumeWorkflowRun(
            ResumeWorkflowRunRequest.newBuilder()
                .setName(interrupt.getWorkflowRun())
                .setEventId(interrupt.getInterrupt().getEventId())
                .setInterruptType(interrupt.getInterrupt().getType())
                .setResumeData("Paris")
                .build())
        .forEachRemaining(second::add);

    assertThat(second.get(second.size() - 1).getKindCase()).isEqualTo(WorkflowEvent.KindCase.DONE);
    assertThat(second.get(0).getId()).isZero();
    WorkflowRun run =
        workflows.getWorkflowRun(
            GetWorkflowRunRequest.newBuilder().setName(interrupt.getWorkflowRun()).build());
    assertThat(run.getState()).isEqualTo(WorkflowRun.State.SUCCEEDED);
    assertThat(run.getResumeCount()).isEqualTo(1);
  }

  @Test
  void aRunCanBeCancelledOnceItIsUnderWayButNotAfterItEnded() {
    gateway.workflowsCoze.holdAsyncRuns(true);
    WorkflowRun started = workflows.runWorkflow(run(ECHO).setAsync(true).build());
    assertThat(started.getState()).isEqualTo(WorkflowRun.State.RUNNING);
    CancelWorkflowRunRequest cancel =
        CancelWorkflowRunRequest.newBuilder().setName(started.getName()).build();

    WorkflowRun cancelled = workflows.cancelWorkflowRun(cancel);

    assertThat(cancelled.getState()).isEqualTo(WorkflowRun.State.CANCELLED);
    assertThat(cancelled.getError().getMessage()).contains("Coze");
    assertError(
        catchThrowable(() -> workflows.cancelWorkflowRun(cancel)),
        Status.Code.FAILED_PRECONDITION,
        "WORKFLOW_RUN_STATE_INVALID");
    assertError(
        catchThrowable(
            () ->
                workflows.getWorkflowRun(
                    GetWorkflowRunRequest.newBuilder()
                        .setName(TestGateway.TENANT + "/workflowRuns/nope")
                        .build())),
        Status.Code.NOT_FOUND,
        "WORKFLOW_RUN_NOT_FOUND");
  }

  @Test
  void aRunCanActAsAJwtAppSession() {
    WorkflowRun run =
        workflows.runWorkflow(
            RunWorkflowRequest.newBuilder()
                .setParent(TestGateway.TENANT)
                .setAppSession(
                    dev.cozegateway.api.v1.AppSession.newBuilder()
                        .setApp(TestGateway.JWT_APP)
                        .setSessionName("user-9"))
                .setWorkflowId(ECHO)
                .setParameters(params("k", "v"))
                .build());

    assertThat(run.getState()).isEqualTo(WorkflowRun.State.SUCCEEDED);
    assertThat(run.getConnection()).isEmpty();
    assertThat(run.getApp()).isEqualTo(TestGateway.JWT_APP);
    assertThat(run.getSessionName()).isEqualTo("user-9");
    assertThat(gateway.serviceCoze.exchanges()).hasSize(1);
  }

  @Test
  void aRunWithoutAPrincipalNamesTheConnectionField() {
    Throwable thrown =
        catchThrowable(
            () ->
                workflows.runWorkflow(
                    RunWorkflowRequest.newBuilder()
                        .setParent(TestGateway.TENANT)
                        .setWorkflowId(ECHO)
                        .build()));

    assertError(thrown, Status.Code.INVALID_ARGUMENT, "INVALID_RESOURCE_NAME");
    assertThat(violatedFields(thrown)).contains("connection");
  }
}
