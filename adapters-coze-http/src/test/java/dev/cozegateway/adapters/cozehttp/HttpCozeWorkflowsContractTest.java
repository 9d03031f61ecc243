package dev.cozegateway.adapters.cozehttp;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.contract.CozeWorkflowsContract;
import dev.cozegateway.domain.port.CozeWorkflows;
import dev.cozegateway.sandbox.CozeSandbox;
import io.opentelemetry.api.OpenTelemetry;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@link CozeWorkflows} contract, held by the HTTP adapter against the Coze sandbox. */
class HttpCozeWorkflowsContractTest extends CozeWorkflowsContract {
  @RegisterExtension
  final WorkflowSandbox coze =
      new WorkflowSandbox(STREAM_MESSAGES, QUESTION, ANSWER, FAIL_CODE, FAIL_MESSAGE);

  private final CozeSandbox sandbox = coze.sandbox();
  private final Secret token = coze.accessToken();
  private final CozeWorkflows workflows =
      TestApps.injector(CozeHttpConfig.defaults(), OpenTelemetry.noop())
          .getInstance(CozeWorkflows.class);

  @Override
  protected CozeWorkflows coze() {
    return workflows;
  }

  @Override
  protected App app() {
    return coze.app();
  }

  @Override
  protected Secret accessToken() {
    return token;
  }

  @Override
  protected String echoWorkflow() {
    return WorkflowSandbox.ECHO;
  }

  @Override
  protected String streamWorkflow() {
    return WorkflowSandbox.STREAM;
  }

  @Override
  protected String questionWorkflow() {
    return WorkflowSandbox.QUESTION;
  }

  @Override
  protected String failingWorkflow() {
    return WorkflowSandbox.FAIL;
  }

  @Override
  protected String endlessStreamWorkflow() {
    return WorkflowSandbox.ENDLESS;
  }

  @Override
  protected void forceErrors(int code, int times) {
    sandbox.forceWorkflowErrors(code, times);
  }

  @Override
  protected void forceStreamError(int code, String message, int afterEvents) {
    sandbox.forceStreamError(code, message, afterEvents);
  }

  @Override
  protected void setAsyncRunsAllowed(boolean allowed) {
    sandbox.setAsyncRunsAllowed(allowed);
  }

  @Override
  protected int streamsClosedByClient() {
    return sandbox.streamDisconnects().size();
  }
}
