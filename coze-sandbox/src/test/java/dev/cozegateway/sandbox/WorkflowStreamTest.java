package dev.cozegateway.sandbox;

import static dev.cozegateway.sandbox.SandboxTestClient.ECHO;
import static dev.cozegateway.sandbox.SandboxTestClient.FAIL;
import static dev.cozegateway.sandbox.SandboxTestClient.LONG_STREAM;
import static dev.cozegateway.sandbox.SandboxTestClient.QUICK;
import static dev.cozegateway.sandbox.SandboxTestClient.STREAM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code POST /v1/workflow/stream_run}: SSE framing, PINGs, errors and disconnects (§4.2). */
class WorkflowStreamTest {
  private static final String STREAM_RUN = "/v1/workflow/stream_run";

  @RegisterExtension final SandboxFixture fixture = SandboxFixture.checkingLogIds();
  private final CozeSandbox sandbox = fixture.sandbox();
  private final SandboxTestClient http = fixture.http();
  private final String token = http.accessToken();

  @Test
  void aStreamIsExactlyIdEventDataAndABlankLinePerEvent() {
    HttpResponse<String> response =
        http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", STREAM));

    List<Sse.Event> events = Sse.events(response);
    String debugUrl = events.get(events.size() - 1).json().get("debug_url").asText();
    String end =
        "{\"content\":\"{\\\"output\\\":\\\"Why did the ruler go?\\\"}\",\"content_type\":\"text\","
            + "\"cost\":\"0.00\",\"node_is_finish\":true,\"node_seq_id\":\"0\",\"node_title\":\"End\","
            + "\"token\":"
            + events.get(3).json().get("token").asInt()
            + ",\"usage\":"
            + events.get(3).json().get("usage")
            + "}";
    assertThat(response.body())
        .isEqualTo(
            "id: 0\nevent: Message\ndata: {\"content\":\"Why did \",\"content_type\":\"text\","
                + "\"node_is_finish\":false,\"node_seq_id\":\"0\",\"node_title\":\"Message\"}\n\n"
                + "id: 1\nevent: Message\ndata: {\"content\":\"the ruler \",\"content_type\":\"text\","
                + "\"node_is_finish\":false,\"node_seq_id\":\"1\",\"node_title\":\"Message\"}\n\n"
                + "id: 2\nevent: Message\ndata: {\"content\":\"go?\",\"content_type\":\"text\","
                + "\"node_is_finish\":true,\"node_seq_id\":\"2\",\"node_title\":\"Message\"}\n\n"
                + "id: 3\nevent: Message\ndata: "
                + end
                + "\n\n"
                + "id: 4\nevent: Done\ndata: {\"debug_url\":\""
                + debugUrl
                + "\"}\n\n");
    assertThat(debugUrl).startsWith(sandbox.baseUrl() + "/work_flow?execute_id=");
    JsonNode usage = events.get(3).json().get("usage");
    assertThat(usage.get("token_count").asInt())
        .isEqualTo(usage.get("input_count").asInt() + usage.get("output_count").asInt());
  }

  @Test
  void aStreamRunLeavesARunHistoryWithRunModeOne() {
    List<Sse.Event> events =
        Sse.events(http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", ECHO)));
    String debugUrl = events.get(events.size() - 1).json().get("debug_url").asText();
    String executeId = SandboxTestClient.query(debugUrl).get("execute_id");

    JsonNode record = http.historyRecord(token, ECHO, executeId);

    assertThat(Sse.names(events)).containsExactly("Message", "Done");
    assertThat(record.get("execute_status").asText()).isEqualTo("Success");
    assertThat(record.get("run_mode").asInt()).isEqualTo(1);
    assertThat(sandbox.workflowStats().streamRuns()).isEqualTo(1);
  }

  @Test
  void waitsSendPingsWithAnEmptyObject() {
    List<Sse.Event> events =
        Sse.events(http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", QUICK)));

    // 120 ms with a PING every 25 ms: four PINGs inside the wait, none at its very end.
    assertThat(Sse.names(events))
        .containsExactly("PING", "PING", "PING", "PING", "Message", "Done");
    assertThat(events.get(0).data()).isEqualTo("{}");
  }

  @Test
  void aFailingWorkflowSendsAnInStreamErrorAndNoDone() {
    List<Sse.Event> events =
        Sse.events(http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", FAIL)));

    assertThat(Sse.names(events)).containsExactly("Error");
    assertThat(events.get(0).data())
        .isEqualTo("{\"error_code\":4013,\"error_message\":\"Model service error\"}");
  }

  @Test
  void errorsBeforeTheStreamAreOneLineJsonEnvelopes() {
    HttpResponse<String> unknown =
        http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", "7999999999999999999"));
    HttpResponse<String> bad =
        http.postWorkflow(
            STREAM_RUN, token, Map.of("workflow_id", ECHO, "bot_id", "1", "app_id", "2"));

    http.assertBusinessError(unknown, 4200);
    http.assertBusinessError(bad, 4000);
    assertThat(unknown.body()).doesNotContain("\n").doesNotContain("event:");
    assertThat(sandbox.workflowStats().streamRuns()).isZero();
  }

  @Test
  void aForcedStreamErrorArrivesAfterTheGivenNumberOfEvents() {
    sandbox.forceStreamError(5000, "boom", 2);

    HttpResponse<String> first =
        http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", STREAM));
    HttpResponse<String> second =
        http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", STREAM));

    List<Sse.Event> events = Sse.events(first);
    assertThat(Sse.names(events)).containsExactly("Message", "Message", "Error");
    assertThat(events.get(2).data()).isEqualTo("{\"error_code\":5000,\"error_message\":\"boom\"}");
    // Armed once: the next stream is whole again.
    assertThat(Sse.names(Sse.events(second))).endsWith("Done");
  }

  @Test
  void aForcedStreamErrorFailsTheRunInItsHistory() {
    sandbox.forceStreamError(4013, null, 0);

    List<Sse.Event> events =
        Sse.events(http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", ECHO)));
    String executeId =
        http.json(http.postWorkflow("/v1/workflow/run", token, Map.of("workflow_id", ECHO)).body())
            .get("execute_id")
            .asText();

    assertThat(Sse.names(events)).containsExactly("Error");
    assertThat(events.get(0).json().get("error_code").asInt()).isEqualTo(4013);
    // The sync run after it is unaffected.
    assertThat(http.historyRecord(token, ECHO, executeId).get("execute_status").asText())
        .isEqualTo("Success");
  }

  @Test
  void aClientClosingMidStreamIsRecordedAsADisconnect() throws Exception {
    String body = "{\"workflow_id\":\"" + LONG_STREAM + "\"}";
    try (Socket socket = new Socket("127.0.0.1", sandbox.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST "
                  + STREAM_RUN
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + "Authorization: Bearer "
                  + token
                  + "\r\n"
                  + "Content-Type: application/json\r\nContent-Length: "
                  + body.length()
                  + "\r\n\r\n"
                  + body)
              .getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder seen = new StringBuilder();
      while (!seen.toString().contains("event: Message")) {
        int b = in.read();
        assertThat(b).as("stream ended early: %s", seen).isNotNegative();
        seen.append((char) b);
      }
      assertThat(seen.toString()).startsWith("HTTP/1.1 200").contains("text/event-stream");
    }

    await().atMost(Duration.ofSeconds(5)).until(() -> !sandbox.streamDisconnects().isEmpty());

    StreamDisconnect disconnect = sandbox.streamDisconnects().get(0);
    assertThat(disconnect.workflowId()).isEqualTo(LONG_STREAM);
    assertThat(disconnect.executeId()).matches("\\d{19}");
    assertThat(disconnect.eventsSent()).isBetween(1, 499);
    assertThat(sandbox.workflowStats().streamDisconnects()).isEqualTo(1);
    // The workflow ran on without its client.
    assertThat(
            http.historyRecord(token, LONG_STREAM, disconnect.executeId())
                .get("execute_status")
                .asText())
        .isEqualTo("Success");
    JsonNode overHttp = http.json(http.get("/_sandbox/workflows/stats"));
    assertThat(overHttp.get("stream_disconnects").asInt()).isEqualTo(1);
    assertThat(overHttp.at("/disconnects/0/execute_id").asText()).isEqualTo(disconnect.executeId());
  }

  @Test
  void aStreamReadToTheEndIsNoDisconnect() {
    Sse.events(http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", STREAM)));

    assertThat(sandbox.streamDisconnects()).isEmpty();
  }
}
