package dev.cozegateway.adapters.grpc;

import static dev.cozegateway.adapters.grpc.StatusDetails.assertError;
import static dev.cozegateway.adapters.grpc.StatusDetails.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.cozegateway.api.v1.CancelWorkflowRunRequest;
import dev.cozegateway.api.v1.GetWorkflowRunRequest;
import dev.cozegateway.api.v1.ListWorkflowRunsRequest;
import dev.cozegateway.api.v1.ResumeWorkflowRunRequest;
import dev.cozegateway.api.v1.RunWorkflowRequest;
import dev.cozegateway.api.v1.StreamWorkflowRequest;
import dev.cozegateway.api.v1.WorkflowServiceGrpc;
import dev.cozegateway.api.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every WorkflowService RPC answers UNIMPLEMENTED, with an ErrorInfo, in this version. */
class WorkflowGrpcServiceTest {
  private Server server;
  private ManagedChannel channel;
  private WorkflowServiceBlockingStub workflows;

  @BeforeEach
  void startServer() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(new WorkflowGrpcService())
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    workflows = WorkflowServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  @TestFactory
  Stream<DynamicTest> everyRpcIsUnimplemented() {
    Map<String, ThrowingCallable> calls =
        Map.of(
            "RunWorkflow",
            () -> workflows.runWorkflow(RunWorkflowRequest.getDefaultInstance()),
            // A server-streaming call fails when the client first reads.
            "StreamWorkflow",
            () -> workflows.streamWorkflow(StreamWorkflowRequest.getDefaultInstance()).hasNext(),
            "ResumeWorkflowRun",
            () ->
                workflows
                    .resumeWorkflowRun(ResumeWorkflowRunRequest.getDefaultInstance())
                    .hasNext(),
            "GetWorkflowRun",
            () -> workflows.getWorkflowRun(GetWorkflowRunRequest.getDefaultInstance()),
            "ListWorkflowRuns",
            () -> workflows.listWorkflowRuns(ListWorkflowRunsRequest.getDefaultInstance()),
            "CancelWorkflowRun",
            () -> workflows.cancelWorkflowRun(CancelWorkflowRunRequest.getDefaultInstance()));
    assertThat(calls).hasSize(WorkflowServiceGrpc.getServiceDescriptor().getMethods().size());
    return calls.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(
            call ->
                DynamicTest.dynamicTest(
                    call.getKey(),
                    () -> {
                      Throwable thrown = catchThrowable(call.getValue());

                      assertError(thrown, Status.Code.UNIMPLEMENTED, "NOT_IMPLEMENTED");
                      assertThat(message(thrown))
                          .isEqualTo("workflows are not available yet in this version");
                    }));
  }
}
