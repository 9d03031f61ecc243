package dev.cozegateway.sandbox;

import static dev.cozegateway.sandbox.SandboxTestClient.ECHO;
import static dev.cozegateway.sandbox.SandboxTestClient.OPEN_QUESTION;
import static dev.cozegateway.sandbox.SandboxTestClient.QUESTION;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Question nodes, {@code stream_resume} and {@code /v1/workflows/resume} (§4.2–§4.4). */
class WorkflowResumeTest {
  private static final String STREAM_RUN = "/v1/workflow/stream_run";
  private static final String STREAM_RESUME = "/v1/workflow/stream_resume";
  private static final String RESUME = "/v1/workflows/resume";

  @RegisterExtension final SandboxFixture fixture = SandboxFixture.checkingLogIds();
  private final CozeSandbox sandbox = fixture.sandbox();
  private final SandboxTestClient http = fixture.http();
  private final String token = http.accessToken();

  @Test
  void aQuestionStreamsTheQuestionThenInterruptsThenDone() {
    List<Sse.Event> events =
        Sse.events(http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", QUESTION)));

    assertThat(Sse.names(events)).containsExactly("Message", "Interrupt", "Done");
    assertThat(events.get(0).json().get("content").asText()).isEqualTo("Capital of France?");
    JsonNode interrupt = events.get(1).json();
    assertThat(interrupt.at("/interrupt_data/event_id").asText()).matches("\\d{19}/\\d{19}");
    assertThat(interrupt.at("/interrupt_data/type").asInt()).isEqualTo(2);
    assertThat(interrupt.at("/interrupt_data/data").asText()).isEmpty();
    assertThat(interrupt.get("node_title").asText()).isEqualTo("Question");
  }

  @Test
  void aGoodAnswerFinishesTheRunWithIdsFromZeroAgain() {
    String eventId =
        interruptOf(http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", QUESTION)));

    List<Sse.Event> events =
        Sse.events(http.postWorkflow(STREAM_RESUME, token, resume(QUESTION, eventId, " Paris ")));

    assertThat(events.get(0).id()).isZero();
    assertThat(Sse.names(events)).containsExactly("Message", "Done");
    assertThat(http.json(events.get(0).json().get("content").asText()).get("output").asText())
        .isEqualTo(" Paris ");
    String executeId = executeIdOf(events);
    JsonNode record = http.historyRecord(token, QUESTION, executeId);
    assertThat(record.get("execute_status").asText()).isEqualTo("Success");
    assertThat(record.get("run_mode").asInt()).isEqualTo(1);
    assertThat(sandbox.workflowStats().streamResumes()).isEqualTo(1);
    assertThat(sandbox.workflowStats().streamRuns()).isEqualTo(1);
  }

  @Test
  void aBadAnswerInterruptsAgainUnderANewEventId() {
    String first =
        interruptOf(http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", QUESTION)));

    List<Sse.Event> events =
        Sse.events(http.postWorkflow(STREAM_RESUME, token, resume(QUESTION, first, "Lyon")));

    assertThat(Sse.names(events)).containsExactly("Message", "Interrupt", "Done");
    String second = events.get(1).json().at("/interrupt_data/event_id").asText();
    assertThat(second).isNotEqualTo(first).matches("\\d+/\\d+");
    // The superseded event id is no longer resumable; the new one is.
    http.assertBusinessError(
        http.postWorkflow(STREAM_RESUME, token, resume(QUESTION, first, "Paris")), 4000);
    assertThat(
            Sse.names(
                Sse.events(
                    http.postWorkflow(STREAM_RESUME, token, resume(QUESTION, second, "Paris")))))
        .containsExactly("Message", "Done");
  }

  @Test
  void theThirdBadAnswerFailsTheRunAndAFourthResumeIs4315() {
    String eventId =
        interruptOf(http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", QUESTION)));
    for (int i = 0; i < 2; i++) {
      eventId =
          interruptOf(http.postWorkflow(STREAM_RESUME, token, resume(QUESTION, eventId, "no")));
    }

    List<Sse.Event> third =
        Sse.events(http.postWorkflow(STREAM_RESUME, token, resume(QUESTION, eventId, "no")));

    assertThat(Sse.names(third)).containsExactly("Error");
    assertThat(third.get(0).json().get("error_code").asInt()).isEqualTo(4000);
    http.assertBusinessError(
        http.postWorkflow(STREAM_RESUME, token, resume(QUESTION, eventId, "Paris")), 4315);
    http.assertBusinessError(
        http.postWorkflow(RESUME, token, resume(QUESTION, eventId, "Paris")), 4315);
    assertThat(sandbox.workflowStats().streamResumes()).isEqualTo(3);
  }

  @Test
  void aFinishedRunCannotBeResumed() {
    String eventId =
        interruptOf(http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", OPEN_QUESTION)));
    Sse.events(http.postWorkflow(STREAM_RESUME, token, resume(OPEN_QUESTION, eventId, "Hangzhou")));

    String msg =
        http.assertBusinessError(
            http.postWorkflow(STREAM_RESUME, token, resume(OPEN_QUESTION, eventId, "again")), 4315);

    assertThat(msg).isNotBlank();
  }

  @Test
  void aBlankAnswerDoesNotSatisfyAnOpenQuestion() {
    String eventId =
        interruptOf(http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", OPEN_QUESTION)));

    assertThat(
            Sse.names(
                Sse.events(
                    http.postWorkflow(STREAM_RESUME, token, resume(OPEN_QUESTION, eventId, "  ")))))
        .containsExactly("Message", "Interrupt", "Done");
  }

  @Test
  void unknownEventIdsAndBadResumeBodiesAre4000() {
    String eventId =
        interruptOf(http.postWorkflow(STREAM_RUN, token, Map.of("workflow_id", QUESTION)));

    http.assertBusinessError(
        http.postWorkflow(STREAM_RESUME, token, resume(QUESTION, "1234/5678", "Paris")), 4000);
    for (String missing : List.of("workflow_id", "event_id", "resume_data", "interrupt_type")) {
      Map<String, Object> body = new LinkedHashMap<>(resume(QUESTION, eventId, "Paris"));
      body.remove(missing);
      http.assertBusinessError(http.postWorkflow(STREAM_RESUME, token, body), 4000);
      http.assertBusinessError(http.postWorkflow(RESUME, token, body), 4000);
    }
    Map<String, Object> wrongType = new LinkedHashMap<>(resume(QUESTION, eventId, "Paris"));
    wrongType.put("interrupt_type", 5);
    http.assertBusinessError(http.postWorkflow(RESUME, token, wrongType), 4000);
    // Another workflow's id with this event id is no match either.
    http.assertBusinessError(
        http.postWorkflow(RESUME, token, resume(OPEN_QUESTION, eventId, "x")), 4000);
    http.assertBusinessError(
        http.postWorkflow(RESUME, token, resume("7999999999999999999", eventId, "x")), 4200);
    // None of that used up a resume.
    assertThat(sandbox.workflowStats().allResumes()).isZero();
    assertThat(
            Sse.names(
                Sse.events(
                    http.postWorkflow(STREAM_RESUME, token, resume(QUESTION, eventId, "Paris")))))
        .containsExactly("Message", "Done");
  }

  @Test
  void aSyncRunIsResumedWithTheNonStreamEndpoint() {
    JsonNode run =
        http.assertSuccess(
            http.postWorkflow("/v1/workflow/run", token, Map.of("workflow_id", QUESTION)));
    String eventId = run.at("/interrupt_data/event_id").asText();

    JsonNode again =
        http.assertSuccess(http.postWorkflow(RESUME, token, resume(QUESTION, eventId, "Rome")));
    String next = again.at("/interrupt_data/event_id").asText();
    JsonNode done =
        http.assertSuccess(http.postWorkflow(RESUME, token, resume(QUESTION, next, "Paris")));

    assertThat(next).isNotEqualTo(eventId);
    assertThat(done.get("data").asText()).isEqualTo("{\"output\":\"Paris\"}");
    assertThat(done.get("execute_id").asText()).isEqualTo(run.get("execute_id").asText());
    assertThat(done.has("interrupt_data")).isFalse();
    assertThat(done.get("usage").isObject()).isTrue();
    assertThat(sandbox.workflowStats().resumes()).isEqualTo(2);
  }

  @Test
  void threeBadNonStreamResumesFailTheRunWithABusinessError() {
    JsonNode run =
        http.assertSuccess(
            http.postWorkflow("/v1/workflow/run", token, Map.of("workflow_id", QUESTION)));
    String eventId = run.at("/interrupt_data/event_id").asText();
    for (int i = 0; i < 2; i++) {
      eventId =
          http.assertSuccess(http.postWorkflow(RESUME, token, resume(QUESTION, eventId, "no")))
              .at("/interrupt_data/event_id")
              .asText();
    }

    http.assertBusinessError(
        http.postWorkflow(RESUME, token, resume(QUESTION, eventId, "no")), 4000);

    JsonNode record = http.historyRecord(token, QUESTION, run.get("execute_id").asText());
    assertThat(record.get("execute_status").asText()).isEqualTo("Fail");
    assertThat(record.get("error_code").asText()).isEqualTo("4000");
  }

  @Test
  void anAsyncRunResumesAsyncAndReportsThroughItsHistory() {
    String executeId =
        http.assertSuccess(
                http.postWorkflow(
                    "/v1/workflow/run", token, Map.of("workflow_id", QUESTION, "is_async", true)))
            .get("execute_id")
            .asText();
    JsonNode interrupted = http.historyRecord(token, QUESTION, executeId);
    String eventId = interrupted.at("/interrupt_data/event_id").asText();

    JsonNode resumed =
        http.assertSuccess(http.postWorkflow(RESUME, token, resume(QUESTION, eventId, "Paris")));

    assertThat(resumed.get("execute_id").asText()).isEqualTo(executeId);
    assertThat(resumed.has("data")).isFalse();
    JsonNode record = http.historyRecord(token, QUESTION, executeId);
    assertThat(record.get("execute_status").asText()).isEqualTo("Success");
    assertThat(record.get("run_mode").asInt()).isEqualTo(2);
  }

  @Test
  void workflowsThatNeverInterruptCannotBeResumed() {
    http.assertSuccess(http.postWorkflow("/v1/workflow/run", token, Map.of("workflow_id", ECHO)));

    http.assertBusinessError(http.postWorkflow(RESUME, token, resume(ECHO, "1/2", "x")), 4000);
  }

  private static Map<String, Object> resume(String workflowId, String eventId, String answer) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("workflow_id", workflowId);
    body.put("event_id", eventId);
    body.put("resume_data", answer);
    body.put("interrupt_type", 2);
    return body;
  }

  private static String interruptOf(HttpResponse<String> response) {
    List<Sse.Event> events = Sse.events(response);
    assertThat(Sse.names(events)).contains("Interrupt");
    return events.stream()
        .filter(event -> event.event().equals("Interrupt"))
        .findFirst()
        .orElseThrow()
        .json()
        .at("/interrupt_data/event_id")
        .asText();
  }

  private static String executeIdOf(List<Sse.Event> events) {
    String debugUrl = events.get(events.size() - 1).json().get("debug_url").asText();
    return SandboxTestClient.query(debugUrl).get("execute_id");
  }
}
