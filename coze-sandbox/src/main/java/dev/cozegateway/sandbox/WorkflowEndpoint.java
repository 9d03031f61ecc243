package dev.cozegateway.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workflow endpoints of §4: run (sync and async), stream run, stream resume, non-stream resume
 * and run history. Every call needs a valid access token issued here (else 4100); forced errors
 * from {@link WorkflowHooks} come first. Errors before a stream starts are business envelopes (HTTP
 * 200, §2.2); errors after it are {@code Error} events.
 *
 * <p>Choices where Coze is undocumented: an unknown {@code event_id} is 4000 (a bad parameter: no
 * run ever interrupted with it), an event id of a finished run is 4315, and an older event id of a
 * run now waiting at a newer interrupt is 4000. A stream ends after an {@code Error} without {@code
 * Done}; after an {@code Interrupt} it ends with {@code Done}. When a stream client goes away, the
 * run carries on to its outcome as on Coze, and the disconnect is recorded.
 */
final class WorkflowEndpoint {
  private static final Logger log = LoggerFactory.getLogger(WorkflowEndpoint.class);

  private final Map<String, SandboxWorkflow> workflows;
  private final IssuedTokens tokens;
  private final WorkflowRuns runs;
  private final WorkflowHooks hooks;
  private final WorkflowScript script;
  private final SandboxClock clock;
  private final ObjectMapper json;
  private final String baseUrl;

  WorkflowEndpoint(
      Map<String, SandboxWorkflow> workflows,
      IssuedTokens tokens,
      WorkflowRuns runs,
      WorkflowHooks hooks,
      SandboxClock clock,
      ObjectMapper json,
      String baseUrl) {
    this.workflows = workflows;
    this.tokens = tokens;
    this.runs = runs;
    this.hooks = hooks;
    this.script = new WorkflowScript(json);
    this.clock = clock;
    this.json = json;
    this.baseUrl = baseUrl;
  }

  /** The parsed body of a run or stream run. */
  private record RunRequest(
      SandboxWorkflow workflow, ObjectNode parameters, boolean async, WorkflowRun.Origin origin) {}

  /** The parsed body of a resume. */
  private record ResumeRequest(
      SandboxWorkflow workflow, String eventId, String resumeData, int interruptType) {}

  /** {@code POST /v1/workflow/run}: sync, or async with {@code is_async: true}. */
  void run(SandboxExchange exchange) throws IOException {
    try {
      admit(exchange);
      RunRequest request = runRequest(exchange, true);
      if (request.async() && !hooks.asyncAllowed()) {
        throw BusinessException.of(6003);
      }
      List<WorkflowScript.Step> steps = script.start(request.workflow(), request.parameters());
      WorkflowRun.Mode mode = request.async() ? WorkflowRun.Mode.ASYNC : WorkflowRun.Mode.SYNC;
      WorkflowRun run = runs.start(request.workflow().id(), mode, request.origin(), baseUrl);
      play(exchange, run, steps);
    } catch (BusinessException e) {
      reject(exchange, e);
    }
  }

  /** {@code POST /v1/workflow/stream_run}. */
  void streamRun(SandboxExchange exchange) throws IOException {
    try {
      admit(exchange);
      RunRequest request = runRequest(exchange, false);
      List<WorkflowScript.Step> steps = script.start(request.workflow(), request.parameters());
      WorkflowRun run =
          runs.start(request.workflow().id(), WorkflowRun.Mode.STREAM, request.origin(), baseUrl);
      stream(exchange, run, steps);
    } catch (BusinessException e) {
      reject(exchange, e);
    }
  }

  /** {@code POST /v1/workflows/resume}: continues sync or async like the original run (§4.4). */
  void resume(SandboxExchange exchange) throws IOException {
    try {
      admit(exchange);
      ResumeRequest request = resumeRequest(exchange);
      WorkflowRun run = resumable(request);
      int resumeNumber =
          run.admitResume(request.eventId(), request.interruptType(), clock.instant());
      runs.countResume(false);
      play(exchange, run, script.resume(request.workflow(), request.resumeData(), resumeNumber));
    } catch (BusinessException e) {
      reject(exchange, e);
    }
  }

  /** {@code POST /v1/workflow/stream_resume}: SSE, ids from 0 again (§4.3). */
  void streamResume(SandboxExchange exchange) throws IOException {
    try {
      admit(exchange);
      ResumeRequest request = resumeRequest(exchange);
      WorkflowRun run = resumable(request);
      int resumeNumber =
          run.admitResume(request.eventId(), request.interruptType(), clock.instant());
      runs.countResume(true);
      stream(exchange, run, script.resume(request.workflow(), request.resumeData(), resumeNumber));
    } catch (BusinessException e) {
      reject(exchange, e);
    }
  }

  /** {@code GET /v1/workflows/{workflow_id}/run_histories/{execute_id}} (§4.5). */
  void history(SandboxExchange exchange, String workflowId, String executeId) throws IOException {
    try {
      admit(exchange);
      WorkflowRun run = runs.byExecuteId(executeId);
      if (run == null || !run.workflowId().equals(workflowId)) {
        throw BusinessException.of(4314);
      }
      runs.countHistoryQuery();
      ObjectNode fields = json.createObjectNode();
      historyRecord(fields.putArray("data").addObject(), run);
      exchange.sendSuccess(fields);
    } catch (BusinessException e) {
      reject(exchange, e);
    }
  }

  // ---- request checks ----

  private void admit(SandboxExchange exchange) throws BusinessException {
    BusinessException forced = hooks.takeForcedError();
    if (forced != null) {
      throw forced;
    }
    String authorization = exchange.header("Authorization");
    String prefix = "Bearer ";
    if (authorization == null
        || !authorization.regionMatches(true, 0, prefix, 0, prefix.length())
        || !tokens.isAccessTokenValid(authorization.substring(prefix.length()).trim())) {
      throw BusinessException.of(4100);
    }
  }

  private RunRequest runRequest(SandboxExchange exchange, boolean asyncAllowedHere)
      throws IOException, BusinessException {
    JsonNode body = exchange.businessJsonBody();
    String workflowId = requiredText(body, "workflow_id");
    ObjectNode parameters = parameters(body.get("parameters"));
    String botId = optionalText(body, "bot_id");
    String appId = optionalText(body, "app_id");
    if (!botId.isEmpty() && !appId.isEmpty()) {
      throw BusinessException.badRequest("bot_id and app_id cannot both be set");
    }
    boolean async = false;
    JsonNode isAsync = body.get("is_async");
    if (asyncAllowedHere && isAsync != null && !isAsync.isNull()) {
      if (!isAsync.isBoolean()) {
        throw BusinessException.badRequest("is_async must be a boolean");
      }
      async = isAsync.booleanValue();
    }
    String connectorId = optionalText(body, "connector_id");
    String userId = body.path("ext").path("user_id").asText("");
    SandboxWorkflow workflow = workflow(workflowId);
    return new RunRequest(
        workflow,
        parameters,
        async,
        new WorkflowRun.Origin(
            exchange.logId(),
            botId.isEmpty() ? "0" : botId,
            connectorId.isEmpty() ? CozeIds.API_CONNECTOR_ID : connectorId,
            userId.isEmpty() ? "0" : userId));
  }

  /** Parameters as an object, or as a JSON string holding one (the docs' table, §4.1). */
  private ObjectNode parameters(JsonNode value) throws BusinessException {
    if (value == null || value.isNull()) {
      return json.createObjectNode();
    }
    JsonNode parsed = value;
    if (value.isTextual()) {
      if (value.textValue().isBlank()) {
        return json.createObjectNode();
      }
      try {
        parsed = json.readTree(value.textValue());
      } catch (JsonProcessingException e) {
        throw BusinessException.badRequest("parameters is not valid JSON");
      }
    }
    if (parsed == null || !parsed.isObject()) {
      throw BusinessException.badRequest("parameters must be an object");
    }
    return (ObjectNode) parsed;
  }

  private ResumeRequest resumeRequest(SandboxExchange exchange)
      throws IOException, BusinessException {
    JsonNode body = exchange.businessJsonBody();
    String workflowId = requiredText(body, "workflow_id");
    String eventId = requiredText(body, "event_id");
    JsonNode resumeData = body.get("resume_data");
    if (resumeData == null || !resumeData.isTextual()) {
      throw BusinessException.badRequest("resume_data is required and must be a string");
    }
    JsonNode interruptType = body.get("interrupt_type");
    if (interruptType == null || !interruptType.isIntegralNumber()) {
      throw BusinessException.badRequest("interrupt_type is required and must be an integer");
    }
    return new ResumeRequest(
        workflow(workflowId), eventId, resumeData.textValue(), interruptType.intValue());
  }

  /** The run that interrupted with the request's event id. */
  private WorkflowRun resumable(ResumeRequest request) throws BusinessException {
    WorkflowRun run = runs.byEventId(request.eventId());
    if (run == null || !run.workflowId().equals(request.workflow().id())) {
      throw BusinessException.badRequest("unknown event_id");
    }
    return run;
  }

  private SandboxWorkflow workflow(String workflowId) throws BusinessException {
    SandboxWorkflow workflow = workflows.get(workflowId);
    if (workflow == null) {
      throw BusinessException.of(4200);
    }
    return workflow;
  }

  private static String requiredText(JsonNode body, String field) throws BusinessException {
    String value = optionalText(body, field);
    if (value.isEmpty()) {
      throw BusinessException.badRequest(field + " is required");
    }
    return value;
  }

  private static String optionalText(JsonNode body, String field) throws BusinessException {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return "";
    }
    if (!value.isTextual()) {
      throw BusinessException.badRequest(field + " must be a string");
    }
    return value.textValue();
  }

  private void reject(SandboxExchange exchange, BusinessException e) throws IOException {
    runs.countRejection();
    log.debug("workflow call refused: {}", e.code());
    exchange.sendBusinessError(e);
  }

  // ---- sync and async ----

  /**
   * A non-stream leg: async answers at once and ends on the sandbox clock after the waits; sync
   * waits them out in wall time, then answers with the outcome.
   */
  private void play(SandboxExchange exchange, WorkflowRun run, List<WorkflowScript.Step> steps)
      throws IOException, BusinessException {
    WorkflowScript.Terminal terminal = WorkflowScript.terminal(steps);
    if (run.mode() == WorkflowRun.Mode.ASYNC) {
      runs.endAt(run, terminal, clock.instant().plus(WorkflowScript.totalWait(steps)));
      ObjectNode fields = json.createObjectNode();
      fields.put("execute_id", run.executeId());
      fields.put("debug_url", run.debugUrl());
      exchange.sendSuccess(fields);
      return;
    }
    try {
      Thread.sleep(WorkflowScript.totalWait(steps).toMillis());
    } catch (InterruptedException e) {
      // The sandbox is closing; the run never finishes.
      Thread.currentThread().interrupt();
      runs.end(run, new WorkflowScript.Fail(5000, BusinessException.defaultMessage(5000)));
      throw BusinessException.of(5000);
    }
    runs.end(run, terminal);
    WorkflowRun.Snapshot now = run.snapshot(clock.instant());
    if (now.status() == WorkflowRun.Status.FAIL) {
      throw new BusinessException(now.errorCode(), now.errorMessage());
    }
    ObjectNode fields = json.createObjectNode();
    fields.put("data", now.output());
    fields.put("execute_id", run.executeId());
    fields.put("debug_url", run.debugUrl());
    usage(fields.putObject("usage"), now.usage());
    if (now.status() == WorkflowRun.Status.INTERRUPTED) {
      interruptData(fields.putObject("interrupt_data"), now, true);
    }
    exchange.sendSuccess(fields);
  }

  // ---- streams ----

  private void stream(SandboxExchange exchange, WorkflowRun run, List<WorkflowScript.Step> steps)
      throws IOException {
    WorkflowScript.Terminal terminal = WorkflowScript.terminal(steps);
    WorkflowHooks.StreamError forced = hooks.takeStreamError();
    EventStream events = exchange.openEventStream();
    boolean ended = false;
    try {
      for (WorkflowScript.Step step : steps) {
        if (forced != null
            && (step instanceof WorkflowScript.Terminal || events.sent() >= forced.afterEvents())) {
          ended = true;
          sendError(events, run, new WorkflowScript.Fail(forced.code(), forced.message()));
          return;
        }
        if (step instanceof WorkflowScript.Wait wait) {
          pause(events, wait);
        } else if (step instanceof WorkflowScript.Emit emit) {
          events.send("Message", message(emit));
        } else {
          ended = true;
          sendTerminal(events, run, (WorkflowScript.Terminal) step);
        }
      }
    } catch (IOException e) {
      log.debug("stream client of run {} went away: {}", run.executeId(), e.toString());
      runs.recordDisconnect(run, events.sent());
    } catch (InterruptedException e) {
      // The sandbox is closing.
      Thread.currentThread().interrupt();
    } finally {
      if (!ended) {
        // The workflow does not stop because the client left.
        runs.end(run, terminal);
      }
    }
  }

  /** Sleeps through a wait, sending a {@code PING} at each ping interval that ends inside it. */
  private void pause(EventStream events, WorkflowScript.Wait wait)
      throws IOException, InterruptedException {
    long remaining = wait.duration().toMillis();
    long ping = wait.pingInterval().toMillis();
    while (remaining > 0) {
      long slice = ping > 0 ? Math.min(ping, remaining) : remaining;
      Thread.sleep(slice);
      remaining -= slice;
      if (ping > 0 && remaining > 0) {
        events.send("PING", json.createObjectNode());
      }
    }
  }

  /** Ends the leg in the record first, so a client acting on the last event sees it. */
  private void sendTerminal(EventStream events, WorkflowRun run, WorkflowScript.Terminal terminal)
      throws IOException {
    if (terminal instanceof WorkflowScript.Fail fail) {
      sendError(events, run, fail);
      return;
    }
    runs.end(run, terminal);
    if (terminal instanceof WorkflowScript.Finish finish) {
      ObjectNode end = json.createObjectNode();
      end.put("content", finish.output());
      end.put("content_type", "text");
      end.put("cost", "0.00");
      end.put("node_is_finish", true);
      end.put("node_seq_id", "0");
      end.put("node_title", "End");
      end.put("token", finish.usage().tokenCount());
      usage(end.putObject("usage"), finish.usage());
      events.send("Message", end);
    } else if (terminal instanceof WorkflowScript.Ask ask) {
      WorkflowRun.Snapshot now = run.snapshot(clock.instant());
      events.send("Message", message(new WorkflowScript.Emit(ask.question(), "Question", 0, true)));
      ObjectNode interrupt = json.createObjectNode();
      interruptData(interrupt.putObject("interrupt_data"), now, false);
      interrupt.put("node_title", "Question");
      events.send("Interrupt", interrupt);
    }
    ObjectNode done = json.createObjectNode();
    done.put("debug_url", run.debugUrl());
    events.send("Done", done);
  }

  private void sendError(EventStream events, WorkflowRun run, WorkflowScript.Fail fail)
      throws IOException {
    runs.end(run, fail);
    ObjectNode error = json.createObjectNode();
    error.put("error_code", fail.code());
    error.put("error_message", fail.message());
    events.send("Error", error);
  }

  private ObjectNode message(WorkflowScript.Emit emit) {
    ObjectNode message = json.createObjectNode();
    message.put("content", emit.content());
    message.put("content_type", "text");
    message.put("node_is_finish", emit.nodeIsFinish());
    message.put("node_seq_id", String.valueOf(emit.nodeSeqId()));
    message.put("node_title", emit.nodeTitle());
    return message;
  }

  // ---- shared shapes ----

  /**
   * The interrupt of a question node. In a stream the question came as a {@code Message}, so {@code
   * data} is empty as in §4.2's example; a sync answer has no messages, so there {@code data}
   * carries the question in §4.4's {@code content_type}/{@code content} form.
   */
  private void interruptData(ObjectNode target, WorkflowRun.Snapshot run, boolean carryQuestion) {
    String data = "";
    if (carryQuestion) {
      ObjectNode question = json.createObjectNode();
      question.put("content_type", "text");
      question.put("content", run.question());
      data = question.toString();
    }
    target.put("data", data);
    target.put("event_id", run.eventId());
    target.put("type", WorkflowScript.Ask.QUESTION_TYPE);
  }

  private static void usage(ObjectNode target, WorkflowScript.Usage usage) {
    target.put("input_count", usage.inputCount());
    target.put("output_count", usage.outputCount());
    target.put("token_count", usage.tokenCount());
  }

  private void historyRecord(ObjectNode record, WorkflowRun run) {
    WorkflowRun.Snapshot now = run.snapshot(clock.instant());
    WorkflowRun.Origin origin = run.origin();
    record.put("execute_id", run.executeId());
    record.put("execute_status", now.status().wire);
    record.put("bot_id", origin.botId());
    record.put("connector_id", origin.connectorId());
    record.put("connector_uid", origin.connectorUid());
    record.put("run_mode", run.mode().wire);
    record.put("logid", origin.logId());
    record.put("create_time", run.createdAt().getEpochSecond());
    record.put("update_time", now.updatedAt().getEpochSecond());
    String output = "";
    if (now.status() == WorkflowRun.Status.SUCCESS) {
      ObjectNode wrapped = json.createObjectNode();
      wrapped.put("Output", now.output());
      output = wrapped.toString();
    }
    record.put("output", output);
    record.putObject("node_execute_status");
    record.put(
        "error_code",
        now.status() == WorkflowRun.Status.FAIL ? String.valueOf(now.errorCode()) : "");
    record.put("error_message", now.errorMessage());
    record.put("debug_url", run.debugUrl());
    usage(record.putObject("usage"), now.usage());
    // A string here, as in the docs' example (§4.5).
    record.put("token", String.valueOf(now.usage().tokenCount()));
    record.put("is_output_trimmed", false);
    if (now.status() == WorkflowRun.Status.INTERRUPTED) {
      interruptData(record.putObject("interrupt_data"), now, true);
    }
  }
}
