package dev.cozegateway.adapters.grpc;

import dev.cozegateway.api.v1.AppSession;
import dev.cozegateway.api.v1.CancelWorkflowRunRequest;
import dev.cozegateway.api.v1.GetWorkflowRunRequest;
import dev.cozegateway.api.v1.ListWorkflowRunsRequest;
import dev.cozegateway.api.v1.ListWorkflowRunsResponse;
import dev.cozegateway.api.v1.ResumeWorkflowRunRequest;
import dev.cozegateway.api.v1.RunWorkflowRequest;
import dev.cozegateway.api.v1.StreamWorkflowRequest;
import dev.cozegateway.api.v1.WorkflowEvent;
import dev.cozegateway.api.v1.WorkflowRun;
import dev.cozegateway.api.v1.WorkflowServiceGrpc;
import dev.cozegateway.application.ListWorkflowRuns;
import dev.cozegateway.application.ResumeWorkflowRun;
import dev.cozegateway.application.RunEvents;
import dev.cozegateway.application.RunHandle;
import dev.cozegateway.application.RunWorkflow;
import dev.cozegateway.application.StreamWorkflow;
import dev.cozegateway.application.WorkflowRequest;
import dev.cozegateway.application.WorkflowUseCases;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ServiceTokenKey;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.WorkflowRunError;
import dev.cozegateway.domain.WorkflowRunName;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.port.CozeWorkflows;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;

/**
 * The {@code coze.gateway.v1.WorkflowService}: each RPC maps its request to a command, calls one
 * use case and maps the result back. Streaming RPCs relay on the call's thread; the call's
 * cancellation (or deadline) cancels the relay, which closes the stream to Coze.
 */
final class WorkflowGrpcService extends WorkflowServiceGrpc.WorkflowServiceImplBase {
  // Stands in for a malformed parent, so that the other fields are still checked.
  private static final TenantId UNPARSED_TENANT = new TenantId("unparsed");

  private final WorkflowUseCases useCases;

  @Inject
  WorkflowGrpcService(WorkflowUseCases useCases) {
    this.useCases = useCases;
  }

  @Override
  public void runWorkflow(RunWorkflowRequest request, StreamObserver<WorkflowRun> observer) {
    GrpcCalls.unary(
        observer,
        () -> {
          WorkflowRequest checked =
              toRequest(
                  request.getParent(),
                  request.getConnection(),
                  request.hasAppSession() ? request.getAppSession() : null,
                  request.getWorkflowId(),
                  request.hasParameters() ? request.getParameters() : null,
                  request.getBotId(),
                  request.getAppId(),
                  request.getRequestId());
          return WorkflowMapping.toProto(
              useCases.runWorkflow().execute(new RunWorkflow.Command(checked, request.getAsync())));
        });
  }

  @Override
  public void streamWorkflow(
      StreamWorkflowRequest request, StreamObserver<WorkflowEvent> observer) {
    relay(
        observer,
        (sink, handle) -> {
          WorkflowRequest checked =
              toRequest(
                  request.getParent(),
                  request.getConnection(),
                  request.hasAppSession() ? request.getAppSession() : null,
                  request.getWorkflowId(),
                  request.hasParameters() ? request.getParameters() : null,
                  request.getBotId(),
                  request.getAppId(),
                  request.getRequestId());
          useCases.streamWorkflow().execute(new StreamWorkflow.Command(checked), sink, handle);
          return null;
        });
  }

  @Override
  public void resumeWorkflowRun(
      ResumeWorkflowRunRequest request, StreamObserver<WorkflowEvent> observer) {
    relay(
        observer,
        (sink, handle) -> {
          RequestFields fields = new RequestFields();
          WorkflowRunName name =
              fields.parse(() -> WorkflowRunName.parse(request.getName(), "name"));
          fields.throwIfInvalid();
          useCases
              .resumeWorkflowRun()
              .execute(
                  new ResumeWorkflowRun.Command(
                      name,
                      request.getEventId(),
                      request.getResumeData(),
                      request.getInterruptType()),
                  sink,
                  handle);
          return null;
        });
  }

  @Override
  public void getWorkflowRun(GetWorkflowRunRequest request, StreamObserver<WorkflowRun> observer) {
    GrpcCalls.unary(
        observer,
        () ->
            WorkflowMapping.toProto(
                useCases
                    .getWorkflowRun()
                    .execute(WorkflowRunName.parse(request.getName(), "name"))));
  }

  @Override
  public void listWorkflowRuns(
      ListWorkflowRunsRequest request, StreamObserver<ListWorkflowRunsResponse> observer) {
    GrpcCalls.unary(
        observer,
        () -> {
          RequestFields fields = new RequestFields();
          TenantId tenant = fields.parse(() -> TenantId.parse(request.getParent(), "parent"));
          ConnectionName connection =
              request.getConnection().isEmpty()
                  ? null
                  : fields.parse(() -> ConnectionName.parse(request.getConnection(), "connection"));
          WorkflowRunState state =
              fields.parse(() -> WorkflowMapping.fromProto(request.getState(), "state"));
          fields.throwIfInvalid();
          ListWorkflowRuns.Page page =
              useCases
                  .listWorkflowRuns()
                  .execute(
                      new ListWorkflowRuns.Command(
                          tenant,
                          request.getWorkflowId(),
                          state,
                          connection,
                          request.getPageSize(),
                          request.getPageToken()));
          ListWorkflowRunsResponse.Builder response =
              ListWorkflowRunsResponse.newBuilder().setNextPageToken(page.nextPageToken());
          page.runs().forEach(run -> response.addWorkflowRuns(WorkflowMapping.toProto(run)));
          return response.build();
        });
  }

  @Override
  public void cancelWorkflowRun(
      CancelWorkflowRunRequest request, StreamObserver<WorkflowRun> observer) {
    GrpcCalls.unary(
        observer,
        () ->
            WorkflowMapping.toProto(
                useCases
                    .cancelWorkflowRun()
                    .execute(WorkflowRunName.parse(request.getName(), "name"))));
  }

  /**
   * Runs a relaying use case on this call's thread, sending its events down the stream. A failure
   * before the first event becomes the call's status; later, the stream just completes after the
   * error event the use case sent.
   *
   * <p>The call's cancellation (by the client, or its deadline) reaches the relay through the
   * call's {@link Context}, whose listeners run at once: gRPC's own cancel callback would wait for
   * this method to return, since a call's callbacks run one at a time.
   */
  private static void relay(
      StreamObserver<WorkflowEvent> observer, BiFunction<RunEvents, RunHandle, Void> body) {
    RunHandle handle = new RunHandle();
    Context context = Context.current();
    Context.CancellationListener cancel = cancelled -> handle.cancel();
    context.addListener(cancel, Runnable::run);
    try {
      GrpcSink sink = new GrpcSink(observer, context, handle);
      try {
        body.apply(sink, handle);
      } catch (RuntimeException e) {
        if (!context.isCancelled()) {
          GrpcCalls.fail(observer, e);
        }
        return;
      }
      if (!context.isCancelled()) {
        observer.onCompleted();
      }
    } finally {
      context.removeListener(cancel);
    }
  }

  /** Sends a relay's events to the gRPC stream, unless the call was cancelled. */
  private static final class GrpcSink implements RunEvents {
    private static final long MIN_READY_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final long MAX_READY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final StreamObserver<WorkflowEvent> call;
    private final Context context;
    private final RunHandle handle;
    private WorkflowRunName run;

    GrpcSink(StreamObserver<WorkflowEvent> call, Context context, RunHandle handle) {
      this.call = call;
      this.context = context;
      this.handle = handle;
    }

    @Override
    public void started(dev.cozegateway.domain.WorkflowRun started) {
      run = started.name();
    }

    @Override
    public void event(CozeWorkflows.Event event) {
      send(WorkflowMapping.toProto(run, event));
    }

    @Override
    public void failed(long id, WorkflowRunError error) {
      send(WorkflowMapping.failed(run, id, error));
    }

    /**
     * Sends one event once the client can take it: a slow client holds the relay (and so the stream
     * from Coze) back instead of making the gateway buffer the whole stream. gRPC's on-ready
     * callback would wait for the relay to return (a call's callbacks run one at a time), so
     * readiness is polled.
     */
    private void send(WorkflowEvent event) {
      long pause = MIN_READY_PAUSE_NANOS;
      while (!ready()) {
        if (context.isCancelled()) {
          break;
        }
        LockSupport.parkNanos(pause);
        pause = Math.min(pause * 2, MAX_READY_PAUSE_NANOS);
      }
      if (context.isCancelled()) {
        handle.cancel();
        return;
      }
      call.onNext(event);
    }

    private boolean ready() {
      return !(call instanceof ServerCallStreamObserver<WorkflowEvent> server) || server.isReady();
    }
  }

  private static WorkflowRequest toRequest(
      String parent,
      String connectionName,
      AppSession appSession,
      String workflowId,
      com.google.protobuf.Struct parameters,
      String botId,
      String appId,
      String requestId) {
    RequestFields fields = new RequestFields();
    TenantId tenant = fields.parse(() -> TenantId.parse(parent, "parent"));
    ConnectionName connection =
        appSession != null
            ? null
            : fields.parse(() -> ConnectionName.parse(connectionName, "connection"));
    ServiceTokenKey session =
        appSession == null
            ? null
            : fields.parse(
                () ->
                    new ServiceTokenKey(
                        AppId.parse(appSession.getApp(), "app_session.app"),
                        appSession.getSessionName(),
                        ""));
    String json =
        parameters == null
            ? "{}"
            : fields.parse(() -> WorkflowMapping.parametersJson(parameters, "parameters"));
    boolean principalParsed = connection != null || session != null;
    if (tenant != null && principalParsed) {
      fields.parse(
          () ->
              new WorkflowRequest(
                  tenant, connection, session, workflowId, json, botId, appId, requestId));
    } else {
      // Report the other fields' problems along with the names'.
      fields.parse(
          () ->
              WorkflowRequest.forConnection(
                  UNPARSED_TENANT,
                  new ConnectionName(UNPARSED_TENANT, "unparsed"),
                  workflowId,
                  json == null ? "{}" : json,
                  botId,
                  appId,
                  requestId));
    }
    fields.throwIfInvalid();
    return new WorkflowRequest(
        tenant, connection, session, workflowId, json, botId, appId, requestId);
  }
}
