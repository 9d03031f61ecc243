package dev.cozegateway.sandbox;

import static dev.cozegateway.sandbox.SandboxTestClient.ECHO;
import static dev.cozegateway.sandbox.SandboxTestClient.STREAM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The workflow test hooks, over {@code /_sandbox/workflows/…} and on {@link CozeSandbox}. */
class WorkflowControlTest {
  private static final String JSON = "application/json";
  private static final String RUN = "/v1/workflow/run";

  @RegisterExtension final SandboxFixture fixture = SandboxFixture.checkingLogIds();
  private final CozeSandbox sandbox = fixture.sandbox();
  private final SandboxTestClient http = fixture.http();
  private final String token = http.accessToken();

  @Test
  void forcedCodesAnswerTheNextCallsThenStop() {
    sandbox.forceWorkflowErrors(4009, 2);

    http.assertBusinessError(http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO)), 4009);
    http.assertBusinessError(
        http.postWorkflow("/v1/workflow/stream_run", token, Map.of("workflow_id", STREAM)), 4009);
    http.assertSuccess(http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO)));

    assertThat(sandbox.workflowStats().rejections()).isEqualTo(2);
    assertThat(sandbox.workflowStats().runs()).isEqualTo(1);
  }

  @Test
  void aForced4100BeatsAValidTokenAndCarriesCozesMessage() {
    sandbox.forceWorkflowErrors(4100, 1);

    String msg =
        http.assertBusinessError(http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO)), 4100);

    assertThat(msg).isEqualTo("authentication is invalid");
    assertThat(sandbox.isAccessTokenValid(token)).isTrue();
  }

  @Test
  void forcedCodesCanBeSetAndDisarmedOverHttp() {
    JsonNode armed =
        http.json(
            http.post("/_sandbox/workflows/force-error", JSON, "{\"code\":5000,\"times\":3}"));
    assertThat(armed.get("pending").asInt()).isEqualTo(3);
    http.assertBusinessError(http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO)), 5000);

    JsonNode disarmed =
        http.json(
            http.post("/_sandbox/workflows/force-error", JSON, "{\"code\":5000,\"times\":0}"));

    assertThat(disarmed.get("pending").asInt()).isZero();
    http.assertSuccess(http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO)));
  }

  @Test
  void anInStreamErrorCanBeArmedOverHttp() {
    http.post(
        "/_sandbox/workflows/force-stream-error",
        JSON,
        "{\"code\":4000,\"message\":\"App not found\",\"after_events\":1}");

    List<Sse.Event> events =
        Sse.events(
            http.postWorkflow("/v1/workflow/stream_run", token, Map.of("workflow_id", STREAM)));

    assertThat(Sse.names(events)).containsExactly("Message", "Error");
    assertThat(events.get(1).data())
        .isEqualTo("{\"error_code\":4000,\"error_message\":\"App not found\"}");
  }

  @Test
  void asyncRunsCanBeForbiddenAndAllowedOverHttp() {
    JsonNode off = http.json(http.post("/_sandbox/workflows/async", JSON, "{\"allowed\":false}"));
    assertThat(off.get("allowed").asBoolean()).isFalse();
    http.assertBusinessError(
        http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO, "is_async", true)), 6003);

    http.post("/_sandbox/workflows/async", JSON, "{\"allowed\":true}");

    http.assertSuccess(
        http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO, "is_async", true)));
  }

  @Test
  void statsCountEveryKindOfCall() {
    http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO));
    http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO, "is_async", true));
    Sse.events(http.postWorkflow("/v1/workflow/stream_run", token, Map.of("workflow_id", STREAM)));
    http.postWorkflow(RUN, null, Map.of("workflow_id", ECHO));

    WorkflowStats stats = sandbox.workflowStats();
    JsonNode overHttp = http.json(http.get("/_sandbox/workflows/stats"));

    assertThat(stats.syncRuns()).isEqualTo(1);
    assertThat(stats.asyncRuns()).isEqualTo(1);
    assertThat(stats.streamRuns()).isEqualTo(1);
    assertThat(stats.runs()).isEqualTo(3);
    assertThat(stats.rejections()).isEqualTo(1);
    assertThat(stats.runsByWorkflow())
        .containsExactlyInAnyOrderEntriesOf(Map.of(ECHO, 2L, STREAM, 1L));
    assertThat(overHttp.get("sync_runs").asLong()).isEqualTo(1);
    assertThat(overHttp.get("async_runs").asLong()).isEqualTo(1);
    assertThat(overHttp.get("stream_runs").asLong()).isEqualTo(1);
    assertThat(overHttp.get("rejections").asLong()).isEqualTo(1);
    assertThat(overHttp.at("/runs_by_workflow/" + ECHO).asLong()).isEqualTo(2);
    assertThat(overHttp.get("disconnects")).isEmpty();
  }

  @Test
  void theWorkflowListShowsIdsNamesAndKinds() {
    JsonNode list = http.json(http.get("/_sandbox/workflows")).get("workflows");

    assertThat(list).hasSize(SandboxTestClient.WORKFLOWS.size());
    assertThat(list.get(0).get("id").asText()).isEqualTo(ECHO);
    assertThat(list.get(0).get("name").asText()).isEqualTo("echo");
    assertThat(list.get(0).get("kind").asText()).isEqualTo("echo");
    assertThat(list.get(1).get("kind").asText()).isEqualTo("stream");
  }

  @Test
  void badHookInputIsRefused() {
    http.assertOAuthError(
        http.post("/_sandbox/workflows/force-error", JSON, "{\"code\":0}"), 400, "invalid_request");
    http.assertOAuthError(
        http.post("/_sandbox/workflows/force-error", JSON, "{\"code\":5000,\"times\":-1}"),
        400,
        "invalid_request");
    http.assertOAuthError(
        http.post("/_sandbox/workflows/force-stream-error", JSON, "{\"code\":\"x\"}"),
        400,
        "invalid_request");
    http.assertOAuthError(
        http.post("/_sandbox/workflows/async", JSON, "{\"allowed\":1}"), 400, "invalid_request");
    assertThatThrownBy(() -> sandbox.forceWorkflowErrors(0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> sandbox.forceStreamError(5000, "x", -1))
        .isInstanceOf(IllegalArgumentException.class);
    http.assertSuccess(http.postWorkflow(RUN, token, Map.of("workflow_id", ECHO)));
  }
}
