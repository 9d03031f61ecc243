package dev.cozegateway.adapters.grpc;

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
import dev.cozegateway.domain.GatewayException;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;

/**
 * The {@code coze.gateway.v1.WorkflowService} of this version: served, so that clients and
 * reflection see the contract, but every RPC answers UNIMPLEMENTED with an {@code ErrorInfo}.
 */
final class WorkflowGrpcService extends WorkflowServiceGrpc.WorkflowServiceImplBase {
  static final String WORKFLOWS_UNAVAILABLE = "workflows are not available yet in this version";

  @Inject
  WorkflowGrpcService() {}

  @Override
  public void runWorkflow(RunWorkflowRequest request, StreamObserver<WorkflowRun> observer) {
    GrpcCalls.fail(observer, notYet());
  }

  @Override
  public void streamWorkflow(
      StreamWorkflowRequest request, StreamObserver<WorkflowEvent> observer) {
    GrpcCalls.fail(observer, notYet());
  }

  @Override
  public void resumeWorkflowRun(
      ResumeWorkflowRunRequest request, StreamObserver<WorkflowEvent> observer) {
    GrpcCalls.fail(observer, notYet());
  }

  @Override
  public void getWorkflowRun(GetWorkflowRunRequest request, StreamObserver<WorkflowRun> observer) {
    GrpcCalls.fail(observer, notYet());
  }

  @Override
  public void listWorkflowRuns(
      ListWorkflowRunsRequest request, StreamObserver<ListWorkflowRunsResponse> observer) {
    GrpcCalls.fail(observer, notYet());
  }

  @Override
  public void cancelWorkflowRun(
      CancelWorkflowRunRequest request, StreamObserver<WorkflowRun> observer) {
    GrpcCalls.fail(observer, notYet());
  }

  private static GatewayException notYet() {
    return new GatewayException.Unimplemented(WORKFLOWS_UNAVAILABLE);
  }
}
