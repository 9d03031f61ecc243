package dev.cozegateway.sandbox;

import static dev.cozegateway.sandbox.SandboxTestClient.ECHO;
import static dev.cozegateway.sandbox.SandboxTestClient.FAIL;
import static dev.cozegateway.sandbox.SandboxTestClient.LARGE;
import static dev.cozegateway.sandbox.SandboxTestClient.LARGE_BYTES;
import static dev.cozegateway.sandbox.SandboxTestClient.QUESTION;
import static dev.cozegateway.sandbox.SandboxTestClient.QUICK;
import static dev.cozegateway.sandbox.SandboxTestClient.SLOW;
import static dev.cozegateway.sandbox.SandboxTestClient.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code POST /v1/workflow/run} (sync and async) and the run history it leaves (§4.1, §4.5). */
class WorkflowRunTest {
  private static final String RUN = "/v1/workflow/run";

  @RegisterExtension final SandboxFixture fixture = SandboxFixture.checkingLogIds();
  private final CozeSandbox sandbox = fixture.sandbox();
  private final SandboxTestClient http = fixture.http();
  private final String token = http.accessToken();

  @Test
  void aSyncEchoRunAnswersTopLevelFieldsWithCodeZeroAndDataAsAString() {
    HttpResponse<String> response =
        http.postWorkflow(
            RUN, token, Map.of("workflow_id", ECHO, "parameters", Map.of("city", "杭州")));

    JsonNode body = http.assertSuccess(response);
    assertThat(body.get("data").isTextual()).isTrue();
    assertThat(http.json(body.get("data").asText())).isEqualTo(http.json("{\"city\":\"杭州\"}"));
    assertThat(body.get("execute_id").asText()).matches("\\d{19}");
    assertThat(body.get("debug_url").asText())
        .startsWith(sandbox.baseUrl() + "/work_flow?execute_id=" + body.get("execute_id").asText())
        .contains("workflow_id=" + ECHO);
    assertThat(body.at("/usage/token_count").asInt())
        .isEqualTo(body.at("/usage/input_count").asInt() + body.at("/usage/output_count").asInt())
        .isPositive();
    assertThat(body.has("interrupt_data")).isFalse();
  }

  @Test
  void parametersMayComeAsAJsonString() {
    JsonNode body =
        http.assertSuccess(
            http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO, "parameters", "{\"n\":1}")));

    assertThat(body.get("data").asText()).isEqualTo("{\"n\":1}");
  }

  @Test
  void aSyncRunLeavesASuccessRecordInItsRunHistory() {
    JsonNode run = http.assertSuccess(http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO)));
    String executeId = run.get("execute_id").asText();

    JsonNode record = http.historyRecord(token, ECHO, executeId);

    assertThat(record.get("execute_id").asText()).isEqualTo(executeId);
    assertThat(record.get("execute_status").asText()).isEqualTo("Success");
    assertThat(record.get("run_mode").asInt()).isZero();
    assertThat(record.get("error_code").isTextual()).isTrue();
    assertThat(record.get("error_code").asText()).isEmpty();
    assertThat(record.get("bot_id").asText()).isEqualTo("0");
    assertThat(record.get("connector_id").asText()).isEqualTo("1024");
    assertThat(record.get("create_time").asLong()).isEqualTo(T0.getEpochSecond());
    assertThat(record.get("update_time").asLong()).isEqualTo(T0.getEpochSecond());
    assertThat(record.get("debug_url").asText()).isEqualTo(run.get("debug_url").asText());
    assertThat(http.json(record.get("output").asText()).get("Output").asText()).isEqualTo("{}");
    assertThat(record.get("usage")).isEqualTo(run.get("usage"));
  }

  @Test
  void anAsyncRunAnswersAtOnceAndFinishesOnTheSandboxClock() {
    HttpResponse<String> response =
        http.postWorkflow(RUN, token, Map.of("workflow_id", SLOW, "is_async", true));

    JsonNode body = http.assertSuccess(response);
    String executeId = body.get("execute_id").asText();
    assertThat(body.get("debug_url").asText()).contains(executeId);
    assertThat(body.has("data")).isFalse();
    JsonNode running = http.historyRecord(token, SLOW, executeId);
    assertThat(running.get("execute_status").asText()).isEqualTo("Running");
    assertThat(running.get("run_mode").asInt()).isEqualTo(2);
    assertThat(running.get("output").asText()).isEmpty();

    sandbox.clock().advance(Duration.ofSeconds(29));
    assertThat(http.historyRecord(token, SLOW, executeId).get("execute_status").asText())
        .isEqualTo("Running");
    sandbox.clock().advance(Duration.ofSeconds(1));
    JsonNode done = http.historyRecord(token, SLOW, executeId);

    assertThat(done.get("execute_status").asText()).isEqualTo("Success");
    assertThat(done.get("error_code").asText()).isEmpty();
    assertThat(done.get("update_time").asLong()).isEqualTo(T0.getEpochSecond() + 30);
    assertThat(done.get("output").asText())
        .isEqualTo("{\"Output\":\"{\\\"output\\\":\\\"done\\\"}\"}");
    assertThat(sandbox.workflowStats().asyncRuns()).isEqualTo(1);
  }

  @Test
  void anAsyncRunOfAFailingWorkflowShowsFailWithAStringErrorCode() {
    String executeId =
        http.assertSuccess(
                http.postWorkflow(RUN, token, Map.of("workflow_id", FAIL, "is_async", true)))
            .get("execute_id")
            .asText();

    JsonNode record = http.historyRecord(token, FAIL, executeId);

    assertThat(record.get("execute_status").asText()).isEqualTo("Fail");
    assertThat(record.get("error_code").isTextual()).isTrue();
    assertThat(record.get("error_code").asText()).isEqualTo("4013");
    assertThat(record.get("error_message").asText()).isEqualTo("Model service error");
  }

  @Test
  void asyncRunsCanBeForbiddenWith6003() {
    sandbox.setAsyncRunsAllowed(false);

    String msg =
        http.assertBusinessError(
            http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO, "is_async", true)), 6003);

    assertThat(msg)
        .isEqualTo(
            "Workflow execution with is_async=true is a premium feature available only to Coze"
                + " Professional users");
    // Sync runs still work on a free plan.
    http.assertSuccess(http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO)));
    assertThat(sandbox.workflowStats().asyncRuns()).isZero();
  }

  @Test
  void aFreePlanConfigForbidsAsyncRunsFromTheStart() {
    try (CozeSandbox free =
        CozeSandbox.start(SandboxTestClient.config().withAsyncRunsAllowed(false))) {
      SandboxTestClient client = new SandboxTestClient(free);
      String freeToken = client.accessToken();

      client.assertBusinessError(
          client.postWorkflow(RUN, freeToken, Map.of("workflow_id", ECHO, "is_async", true)), 6003);
    }
  }

  @Test
  void aSyncSlowRunWaitsItsDurationBeforeAnswering() {
    long started = System.nanoTime();

    JsonNode body = http.assertSuccess(http.postWorkflow(RUN, token, Map.of("workflow_id", QUICK)));

    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(120));
    assertThat(body.get("data").asText()).isEqualTo("{\"output\":\"done\"}");
  }

  @Test
  void aFailingWorkflowAnswersItsCodeAsABusinessErrorAndRecordsFail() {
    String msg =
        http.assertBusinessError(http.postWorkflow(RUN, token, Map.of("workflow_id", FAIL)), 4013);

    assertThat(msg).isEqualTo("Model service error");
    assertThat(sandbox.workflowStats().syncRuns()).isEqualTo(1);
    assertThat(sandbox.workflowStats().rejections()).isEqualTo(1);
  }

  @Test
  void aLargeOutputHasTheConfiguredSize() {
    JsonNode body = http.assertSuccess(http.postWorkflow(RUN, token, Map.of("workflow_id", LARGE)));

    String output = http.json(body.get("data").asText()).get("output").asText();
    assertThat(output).hasSize(LARGE_BYTES).matches("x+");
  }

  @Test
  void aSyncRunStoppingAtAQuestionReturnsInterruptData() {
    JsonNode body =
        http.assertSuccess(http.postWorkflow(RUN, token, Map.of("workflow_id", QUESTION)));

    assertThat(body.get("data").asText()).isEmpty();
    JsonNode interrupt = body.get("interrupt_data");
    assertThat(interrupt.get("type").asInt()).isEqualTo(2);
    assertThat(interrupt.get("event_id").asText()).matches("\\d+/\\d+");
    assertThat(http.json(interrupt.get("data").asText()).get("content").asText())
        .isEqualTo("Capital of France?");
    JsonNode record = http.historyRecord(token, QUESTION, body.get("execute_id").asText());
    assertThat(record.get("execute_status").asText()).isEqualTo("Running");
    assertThat(record.at("/interrupt_data/event_id").asText())
        .isEqualTo(interrupt.get("event_id").asText());
  }

  @Test
  void botIdWithAppIdIs4000() {
    http.assertBusinessError(
        http.postWorkflow(
            RUN,
            token,
            Map.of("workflow_id", ECHO, "bot_id", "7400000000000000001", "app_id", "7")),
        4000);

    assertThat(sandbox.workflowStats().runs()).isZero();
  }

  @Test
  void anUnknownWorkflowIs4200() {
    http.assertBusinessError(
        http.postWorkflow(RUN, token, Map.of("workflow_id", "7999999999999999999")), 4200);
  }

  @Test
  void badRequestsAre4000() {
    http.assertBusinessError(http.postWorkflow(RUN, token, Map.of()), 4000);
    http.assertBusinessError(
        http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO, "parameters", "[1]")), 4000);
    http.assertBusinessError(
        http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO, "is_async", "yes")), 4000);
    assertThat(http.assertBusinessError(http.postWorkflow(RUN, token, "not json"), 4000))
        .isEqualTo("json fail");

    assertThat(sandbox.workflowStats().rejections()).isEqualTo(4);
  }

  @Test
  void aMissingOrUnknownTokenIs4100() {
    assertThat(
            http.assertBusinessError(
                http.postWorkflow(RUN, null, Map.of("workflow_id", ECHO)), 4100))
        .isEqualTo("authentication is invalid");
    http.assertBusinessError(
        http.postWorkflow(RUN, "czu_notIssuedHere", Map.of("workflow_id", ECHO)), 4100);
    http.assertBusinessError(
        http.post(
            RUN, "application/json", "{\"workflow_id\":\"" + ECHO + "\"}", "Authorization", token),
        4100);
  }

  @Test
  void anExpiredTokenIs4100OnEveryWorkflowEndpoint() {
    String executeId =
        http.assertSuccess(http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO)))
            .get("execute_id")
            .asText();

    sandbox.clock().advance(Duration.ofMinutes(15));

    http.assertBusinessError(http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO)), 4100);
    http.assertBusinessError(
        http.postWorkflow("/v1/workflow/stream_run", token, Map.of("workflow_id", ECHO)), 4100);
    http.assertBusinessError(http.history(token, ECHO, executeId), 4100);
    Map<String, Object> resume =
        Map.of("workflow_id", QUESTION, "event_id", "1/2", "resume_data", "x", "interrupt_type", 2);
    http.assertBusinessError(http.postWorkflow("/v1/workflows/resume", token, resume), 4100);
    http.assertBusinessError(http.postWorkflow("/v1/workflow/stream_resume", token, resume), 4100);
    assertThat(sandbox.workflowStats().runs()).isEqualTo(1);
  }

  @Test
  void unknownRunHistoriesAre4314() {
    String executeId =
        http.assertSuccess(http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO)))
            .get("execute_id")
            .asText();

    http.assertBusinessError(http.history(token, ECHO, "7000000000000000000"), 4314);
    // The run exists, but not under this workflow.
    http.assertBusinessError(http.history(token, FAIL, executeId), 4314);
  }
}
