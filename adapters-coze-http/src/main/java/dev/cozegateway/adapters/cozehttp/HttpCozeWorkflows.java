package dev.cozegateway.adapters.cozehttp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.CozeApiException;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.WorkflowInterrupt;
import dev.cozegateway.domain.WorkflowUsage;
import dev.cozegateway.domain.port.CozeWorkflows;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CozeWorkflows} over Coze's workflow HTTP endpoints (Coze API reference §4).
 *
 * <p>Business errors are decided on the body's {@code code}, never on the status alone; HTTP 401
 * without a code counts as 4100, and a body that is not JSON is a transport failure (§2.1). A
 * stream call that gets a JSON envelope instead of SSE, even under an SSE content type, throws the
 * envelope's error (§2.2). Every {@code java.net} and Jackson failure is translated here; messages
 * never contain the access token. Thread-safe: it holds a shared {@link HttpClient}, immutable
 * settings and a daemon timer for stream idle timeouts.
 */
final class HttpCozeWorkflows implements CozeWorkflows {
  static final String RUN_PATH = "/v1/workflow/run";
  static final String STREAM_RUN_PATH = "/v1/workflow/stream_run";
  static final String STREAM_RESUME_PATH = "/v1/workflow/stream_resume";
  static final String RESUME_PATH = "/v1/workflows/resume";

  /** An error envelope is one short line; more than this is not one. */
  private static final int MAX_ENVELOPE_BYTES = 1 << 20;

  private static final Logger log = LoggerFactory.getLogger(HttpCozeWorkflows.class);

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private final HttpClient http;
  private final Duration requestTimeout;
  private final Duration runTimeout;
  private final Duration streamIdleTimeout;
  private final ScheduledThreadPoolExecutor watchdogs;

  /**
   * @param http the client to send with; it owns the connect timeout and must not follow redirects
   * @param requestTimeout how long to wait for an async start or a run-history answer
   * @param runTimeout how long to wait for a sync run or non-stream resume
   * @param streamIdleTimeout how long a stream may stay silent (and how long its headers may take)
   */
  HttpCozeWorkflows(
      HttpClient http, Duration requestTimeout, Duration runTimeout, Duration streamIdleTimeout) {
    this.http = Objects.requireNonNull(http, "http");
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    this.runTimeout = Objects.requireNonNull(runTimeout, "runTimeout");
    this.streamIdleTimeout = Objects.requireNonNull(streamIdleTimeout, "streamIdleTimeout");
    // One daemon thread that only closes silent streams; like the HttpClient's threads it ends
    // with the JVM and holds nothing once the streams are closed, so no lifecycle owns it.
    this.watchdogs =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = Executors.defaultThreadFactory().newThread(runnable);
              thread.setName("coze-stream-watchdog");
              thread.setDaemon(true);
              return thread;
            });
    this.watchdogs.setRemoveOnCancelPolicy(true);
  }

  @Override
  public RunResult run(App app, Secret accessToken, WorkflowCall call) {
    Answer answer = exchange(app, accessToken, RUN_PATH, runBody(call, false), runTimeout);
    return runResult(answer);
  }

  @Override
  public AsyncStart runAsync(App app, Secret accessToken, WorkflowCall call) {
    Answer answer = exchange(app, accessToken, RUN_PATH, runBody(call, true), requestTimeout);
    String executeId = text(answer.json(), "execute_id");
    if (executeId.isEmpty()) {
      throw unavailable("Coze accepted an async run without an execute_id", answer.logId(), null);
    }
    return new AsyncStart(executeId, text(answer.json(), "debug_url"), answer.logId());
  }

  @Override
  public RunHistory history(App app, Secret accessToken, String workflowId, String executeId) {
    Objects.requireNonNull(workflowId, "workflowId");
    Objects.requireNonNull(executeId, "executeId");
    String path =
        "/v1/workflows/"
            + OAuthEndpoints.segment(workflowId)
            + "/run_histories/"
            + OAuthEndpoints.segment(executeId);
    Answer answer = exchange(app, accessToken, path, null, requestTimeout);
    JsonNode data = answer.json().path("data");
    JsonNode record = data.isArray() ? data.path(0) : data;
    if (!record.isObject()) {
      throw unavailable("Coze's run history holds no record", answer.logId(), null);
    }
    String status = text(record, "execute_status").toLowerCase(Locale.ROOT);
    RunHistory.Status state =
        switch (status) {
          case "running" -> RunHistory.Status.RUNNING;
          case "success" -> RunHistory.Status.SUCCESS;
          case "fail" -> RunHistory.Status.FAIL;
          default ->
              throw unavailable(
                  "Coze's run history has an unknown execute_status", answer.logId(), null);
        };
    // error_code is a string ("" on success) on the wire, but clients declare it a number (§4.5).
    JsonNode errorCodeNode = record.path("error_code");
    String errorCode = errorCodeNode.isValueNode() ? errorCodeNode.asText("") : "";
    if (errorCode.equals("0")) {
      errorCode = "";
    }
    return new RunHistory(
        state,
        unwrapOutput(stringValue(record.get("output"))),
        errorCode,
        redact(text(record, "error_message"), accessToken),
        text(record, "debug_url"),
        usage(record.get("usage"), WorkflowUsage.NONE),
        interrupt(record.get("interrupt_data"), "", answer.logId()),
        answer.logId());
  }

  /**
   * Run history wraps the end node's output as {@code {"Output": <data>}} (§4.5); a sync run's
   * {@code data} is the bare output, and the port promises the same shape for both.
   */
  private String unwrapOutput(String output) {
    if (output.isEmpty() || !output.strip().startsWith("{")) {
      return output;
    }
    try {
      JsonNode wrapped = JSON.readTree(output);
      JsonNode inner = wrapped.get("Output");
      if (wrapped.isObject() && wrapped.size() == 1 && inner != null) {
        return inner.isTextual() ? inner.asText() : inner.toString();
      }
    } catch (IOException | RuntimeException e) {
      // Not JSON after all: hand it on as Coze sent it.
    }
    return output;
  }

  @Override
  public EventStream stream(App app, Secret accessToken, WorkflowCall call) {
    return openStream(app, accessToken, STREAM_RUN_PATH, runBody(call, false));
  }

  @Override
  public EventStream resumeStream(App app, Secret accessToken, Resume resume) {
    return openStream(app, accessToken, STREAM_RESUME_PATH, resumeBody(resume));
  }

  @Override
  public RunResult resume(App app, Secret accessToken, Resume resume) {
    return runResult(exchange(app, accessToken, RESUME_PATH, resumeBody(resume), runTimeout));
  }

  // ---- request bodies ----

  private static ObjectNode runBody(WorkflowCall call, boolean async) {
    ObjectNode body = JSON.createObjectNode().put("workflow_id", call.workflowId());
    body.set("parameters", parameters(call.parametersJson()));
    if (!call.botId().isEmpty()) {
      body.put("bot_id", call.botId());
    }
    if (!call.appId().isEmpty()) {
      body.put("app_id", call.appId());
    }
    if (async) {
      body.put("is_async", true);
    }
    return body;
  }

  /**
   * The parameters as JSON to embed: an object as an object (§4.1). Nothing is rejected here: text
   * that is not JSON travels as a string, and Coze judges it, as it judges any other value.
   */
  private static JsonNode parameters(String parametersJson) {
    if (parametersJson.isBlank()) {
      return JSON.createObjectNode();
    }
    try {
      JsonNode parsed = JSON.readTree(parametersJson);
      return parsed == null ? JSON.createObjectNode() : parsed;
    } catch (JsonProcessingException e) {
      return JSON.getNodeFactory().textNode(parametersJson);
    }
  }

  private static ObjectNode resumeBody(Resume resume) {
    return JSON.createObjectNode()
        .put("workflow_id", resume.workflowId())
        .put("event_id", resume.eventId())
        .put("resume_data", resume.resumeData())
        .put("interrupt_type", resume.interruptType());
  }

  // ---- non-stream calls ----

  /** A business answer with {@code code} 0: its JSON object and log id. */
  private record Answer(JsonNode json, String logId) {}

  /** Sends one request (POST with {@code body}, or GET if it is null) and checks the envelope. */
  private Answer exchange(
      App app, Secret accessToken, String path, ObjectNode body, Duration timeout) {
    URI endpoint = OAuthEndpoints.endpoint(app, path);
    HttpRequest request = request(endpoint, accessToken, body, timeout, "application/json").build();
    long started = System.nanoTime();
    HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray(), path);
    JsonNode json = OAuthEndpoints.parseObject(response.body());
    String logId = OAuthEndpoints.logId(response, json);
    log.debug(
        "Coze call {} {} status={} logid={} took={}ms",
        request.method(),
        path,
        response.statusCode(),
        logId,
        Duration.ofNanos(System.nanoTime() - started).toMillis());
    checkEnvelope(response.statusCode(), json, logId, accessToken);
    return new Answer(json, logId);
  }

  /**
   * Throws unless the answer is a success envelope: a non-zero {@code code} is Coze's error on any
   * status; HTTP 401 without one is 4100; a non-JSON body or any other non-2xx is a transport
   * failure.
   */
  private static void checkEnvelope(int status, JsonNode json, String logId, Secret accessToken) {
    JsonNode codeNode = json == null ? null : json.get("code");
    if (codeNode != null && !codeNode.isNull() && !codeNode.canConvertToLong()) {
      throw unavailable("Coze answered HTTP " + status + " with an unreadable code", logId, null);
    }
    long code = codeNode != null && codeNode.canConvertToLong() ? codeNode.asLong() : 0;
    if (code != 0) {
      throw new CozeApiException((int) code, redact(text(json, "msg"), accessToken), logId);
    }
    if (status == 401) {
      // §7: Coze may say "authentication invalid" with the status alone.
      String message = json == null ? "" : redact(text(json, "msg"), accessToken);
      throw new CozeApiException(
          CozeApiException.AUTHENTICATION_INVALID,
          message.isEmpty() ? "authentication is invalid" : message,
          logId);
    }
    if (json == null) {
      throw unavailable("Coze answered HTTP " + status + " with a non-JSON body", logId, null);
    }
    if (status / 100 != 2) {
      // Python, Go and JS treat a missing code as success, but not on a failure status.
      throw unavailable("Coze answered unexpected HTTP " + status, logId, null);
    }
  }

  private static RunResult runResult(Answer answer) {
    JsonNode json = answer.json();
    return new RunResult(
        stringValue(json.get("data")),
        text(json, "execute_id"),
        text(json, "debug_url"),
        usage(json.get("usage"), WorkflowUsage.NONE),
        interrupt(json.get("interrupt_data"), "", answer.logId()),
        answer.logId());
  }

  // ---- streams ----

  private EventStream openStream(App app, Secret accessToken, String path, ObjectNode body) {
    URI endpoint = OAuthEndpoints.endpoint(app, path);
    HttpRequest request =
        request(endpoint, accessToken, body, streamIdleTimeout, "text/event-stream").build();
    HttpResponse<InputStream> response =
        send(request, HttpResponse.BodyHandlers.ofInputStream(), path);
    String logId = response.headers().firstValue(OAuthEndpoints.LOGID_HEADER).orElse("").strip();
    String contentType = response.headers().firstValue("Content-Type").orElse("");
    log.debug(
        "Coze stream {} status={} content-type={} logid={}",
        path,
        response.statusCode(),
        contentType,
        logId);
    InputStream in = response.body();
    if (!contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream")
        || response.statusCode() / 100 != 2) {
      throw failedStream(response.statusCode(), readEnvelope(in, "", path), logId, accessToken);
    }
    HttpEventStream stream = new HttpEventStream(in, logId, path, accessToken);
    try {
      stream.checkNotAnEnvelope(response.statusCode());
    } catch (RuntimeException e) {
      stream.close();
      throw e;
    }
    return stream;
  }

  /** What a stream call's non-SSE answer means; always an exception to throw. */
  private static RuntimeException failedStream(
      int status, byte[] body, String headerLogId, Secret accessToken) {
    JsonNode json = OAuthEndpoints.parseObject(body);
    String logId =
        headerLogId.isEmpty() && json != null ? text(json.path("detail"), "logid") : headerLogId;
    checkEnvelope(status, json, logId, accessToken);
    return unavailable(
        "Coze answered a stream call with JSON but neither an error nor events", logId, null);
  }

  /** The rest of a body (after {@code firstPart}), up to {@link #MAX_ENVELOPE_BYTES}. */
  private static byte[] readEnvelope(InputStream in, String firstPart, String path) {
    try (in) {
      byte[] rest = in.readNBytes(MAX_ENVELOPE_BYTES);
      byte[] first = firstPart.getBytes(StandardCharsets.UTF_8);
      byte[] all = new byte[first.length + rest.length];
      System.arraycopy(first, 0, all, 0, first.length);
      System.arraycopy(rest, 0, all, first.length, rest.length);
      return all;
    } catch (IOException e) {
      log.debug("Coze stream {}: reading the error body failed: {}", path, e.toString());
      throw unavailable("could not read Coze's answer (" + e.getClass().getSimpleName() + ")", "");
    }
  }

  /**
   * One SSE response, parsed as §4.2 allows: {@code id:}, {@code event:} and {@code data:} lines
   * with or without a space after the colon; a new event at each {@code id:} line even without a
   * blank line before it; other lines ignored; {@code PING} and unknown events dropped.
   */
  private final class HttpEventStream implements EventStream {
    private final InputStream in;
    private final BufferedReader reader;
    private final String logId;
    private final String path;
    private final Secret accessToken;
    private final Object watchdogLock = new Object();
    private ScheduledFuture<?> watchdog; // guarded by watchdogLock
    private volatile boolean closed;
    private volatile boolean idleExpired;
    private boolean ended;
    private int parsed;

    /** A line read ahead by {@link #checkNotAnEnvelope}, or null. */
    private String pushedBack;

    /** The event being collected. */
    private String id;

    private String event;
    private StringBuilder data;

    HttpEventStream(InputStream in, String logId, String path, Secret accessToken) {
      this.in = in;
      this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      this.logId = logId;
      this.path = path;
      this.accessToken = accessToken;
    }

    /**
     * Reads up to the first non-blank line: one starting {@code {} is an error envelope under an
     * SSE content type (§2.2), thrown here; anything else is kept for {@link #next()}.
     */
    void checkNotAnEnvelope(int status) {
      String line;
      do {
        line = readLine();
      } while (line != null && line.isBlank());
      if (line == null) {
        ended = true;
        return;
      }
      if (line.stripLeading().startsWith("{")) {
        ended = true;
        disarm();
        throw failedStream(status, readEnvelope(in, line + "\n", path), logId, accessToken);
      }
      pushedBack = line;
    }

    @Override
    public Event next() {
      while (!ended) {
        String line = pushedBack != null ? pushedBack : readLine();
        pushedBack = null;
        if (line == null) {
          ended = true;
          // A half-read event after the client's own close() is not an event.
          return closed ? null : finish(dispatch());
        }
        Event ready = null;
        if (line.isEmpty()) {
          ready = dispatch();
        } else if (field(line, "id")) {
          ready = dispatch();
          id = value(line);
        } else if (field(line, "event")) {
          event = value(line);
        } else if (field(line, "data")) {
          data =
              data == null ? new StringBuilder(value(line)) : data.append('\n').append(value(line));
        } // comments, retry: and anything else are ignored (§7)
        if (ready != null) {
          return finish(ready);
        }
      }
      return null;
    }

    /** Ends the stream after {@code Done} or {@code Error}. */
    private Event finish(Event ready) {
      if (ready instanceof Event.Done || ready instanceof Event.Error) {
        ended = true;
        close();
      } else if (ready == null && ended) {
        close();
      }
      return ready;
    }

    /** The collected event, or null if there is none or it is one to drop. */
    private Event dispatch() {
      String name = event;
      String id = this.id;
      String payload = data == null ? "" : data.toString();
      boolean any = name != null || data != null || id != null;
      this.id = null;
      this.event = null;
      this.data = null;
      if (!any || name == null) {
        return null;
      }
      long eventId = eventId(id, parsed++);
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "message" -> message(eventId, eventData(name, payload));
        case "interrupt" -> {
          JsonNode json = eventData(name, payload);
          WorkflowInterrupt interrupt =
              interrupt(json.get("interrupt_data"), text(json, "node_title"), logId);
          if (interrupt == null) {
            throw streamFailure("Coze sent an Interrupt event without interrupt_data");
          }
          yield new Event.Interrupt(eventId, interrupt);
        }
        case "error" -> {
          JsonNode json = eventData(name, payload);
          JsonNode code = json.path("error_code");
          if (!code.canConvertToInt() || code.asInt() == 0) {
            throw streamFailure("Coze sent an Error event without an error_code");
          }
          yield new Event.Error(
              eventId, code.asInt(), redact(text(json, "error_message"), accessToken));
        }
        case "done" -> {
          // {} in the docs, {"debug_url": …} in practice; either, or nothing readable, will do.
          JsonNode json = OAuthEndpoints.parseObject(payload.getBytes(StandardCharsets.UTF_8));
          yield new Event.Done(eventId, json == null ? "" : text(json, "debug_url"));
        }
        default -> null; // PING and events this adapter does not know
      };
    }

    private Event.Message message(long eventId, JsonNode json) {
      JsonNode finished = json.path("node_is_finish");
      return new Event.Message(
          eventId,
          stringValue(json.get("content")),
          text(json, "node_title"),
          json.path("node_seq_id").isValueNode() ? json.path("node_seq_id").asText("") : "",
          finished.isBoolean() ? finished.booleanValue() : finished.asText("").equals("true"),
          text(json, "node_id"),
          usage(json.get("usage"), null));
    }

    private JsonNode eventData(String name, String payload) {
      JsonNode json = OAuthEndpoints.parseObject(payload.getBytes(StandardCharsets.UTF_8));
      if (json == null) {
        throw streamFailure("Coze sent a " + name + " event whose data is not a JSON object");
      }
      return json;
    }

    private GatewayException.Unavailable streamFailure(String message) {
      ended = true;
      close();
      return unavailable(message, logId);
    }

    /** The next line, with the idle watchdog armed while waiting; null at the end. */
    private String readLine() {
      if (closed) {
        return null;
      }
      arm();
      try {
        return reader.readLine();
      } catch (IOException e) {
        if (idleExpired) {
          throw streamFailure("no event from Coze within " + streamIdleTimeout);
        }
        if (closed) {
          return null;
        }
        log.debug("Coze stream {} logid={} broke: {}", path, logId, e.toString());
        throw streamFailure(
            "the stream from Coze broke off (" + e.getClass().getSimpleName() + ")");
      } finally {
        disarm();
        if (idleExpired) {
          // The watchdog closed the body; a reader may still have returned end-of-stream.
          ended = true;
          throw unavailable("no event from Coze within " + streamIdleTimeout, logId);
        }
      }
    }

    private void arm() {
      synchronized (watchdogLock) {
        if (!closed) {
          watchdog =
              watchdogs.schedule(this::expire, streamIdleTimeout.toNanos(), TimeUnit.NANOSECONDS);
        }
      }
    }

    private void disarm() {
      synchronized (watchdogLock) {
        if (watchdog != null) {
          watchdog.cancel(false);
          watchdog = null;
        }
      }
    }

    private void expire() {
      log.debug("Coze stream {} logid={}: silent for {}", path, logId, streamIdleTimeout);
      idleExpired = true;
      close();
    }

    @Override
    public String logId() {
      return logId;
    }

    /**
     * Closes the response body, which aborts the exchange: the connection goes, so Coze sees the
     * client leave, and a reader blocked in {@link #next()} wakes up.
     */
    @Override
    public void close() {
      synchronized (watchdogLock) {
        if (closed) {
          return;
        }
        closed = true;
        if (watchdog != null) {
          watchdog.cancel(false);
          watchdog = null;
        }
      }
      try {
        in.close();
      } catch (IOException e) {
        log.debug("Coze stream {}: closing the body failed: {}", path, e.toString());
      }
    }
  }

  private static boolean field(String line, String name) {
    return line.startsWith(name + ":");
  }

  /** The value after {@code name:}, without the one optional space (§4.2). */
  private static String value(String line) {
    String value = line.substring(line.indexOf(':') + 1);
    return value.startsWith(" ") ? value.substring(1) : value;
  }

  private static long eventId(String id, int fallback) {
    if (id != null) {
      try {
        return Long.parseLong(id.strip());
      } catch (NumberFormatException e) {
        // A malformed id is no reason to lose the event; count instead.
      }
    }
    return fallback;
  }

  // ---- shared ----

  private HttpRequest.Builder request(
      URI endpoint, Secret accessToken, ObjectNode body, Duration timeout, String accept) {
    Objects.requireNonNull(accessToken, "accessToken");
    HttpRequest.Builder request =
        HttpRequest.newBuilder(endpoint)
            .timeout(timeout)
            .header("Authorization", "Bearer " + accessToken.reveal())
            .header("Accept", accept);
    if (body == null) {
      return request.GET();
    }
    return request
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
  }

  private <T> HttpResponse<T> send(
      HttpRequest request, HttpResponse.BodyHandler<T> handler, String path) {
    try {
      return http.send(request, handler);
    } catch (HttpConnectTimeoutException e) {
      log.debug("Coze call {}: connect timeout", path);
      throw unavailable("could not connect to Coze in time", "", null, e);
    } catch (HttpTimeoutException e) {
      log.debug("Coze call {}: no answer in time", path);
      throw unavailable(
          "Coze did not answer within " + request.timeout().orElse(Duration.ZERO), "", null, e);
    } catch (IOException e) {
      log.debug("Coze call {}: {}", path, e.getClass().getSimpleName());
      // The IOException stays as the cause for operators' logs; its text names hosts, not tokens.
      throw unavailable("could not reach Coze (" + e.getClass().getSimpleName() + ")", "", null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable("interrupted while waiting for Coze", "");
    }
  }

  /**
   * {@code interrupt_data} as a domain value, or null if there is none. {@code data} may be a
   * string or (leniently) an object; the event id is required.
   */
  private static WorkflowInterrupt interrupt(JsonNode node, String nodeTitle, String logId) {
    if (node == null || node.isNull() || (node.isObject() && node.isEmpty())) {
      return null;
    }
    String eventId = node.isObject() ? text(node, "event_id") : "";
    if (eventId.isEmpty()) {
      throw unavailable("Coze sent interrupt_data without an event_id", logId);
    }
    return new WorkflowInterrupt(
        eventId, node.path("type").asInt(0), stringValue(node.get("data")), nodeTitle);
  }

  private static WorkflowUsage usage(JsonNode node, WorkflowUsage absent) {
    if (node == null || !node.isObject()) {
      return absent;
    }
    return new WorkflowUsage(
        node.path("input_count").asLong(0),
        node.path("output_count").asLong(0),
        node.path("token_count").asLong(0));
  }

  /** A string field as is; any other JSON value serialized (Coze sometimes nests); else empty. */
  private static String stringValue(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return "";
    }
    return node.isTextual() ? node.textValue() : node.toString();
  }

  /** A textual (or numeric) field, or empty. */
  private static String text(JsonNode json, String field) {
    JsonNode node = json.get(field);
    return node != null && node.isValueNode() && !node.isNull() ? node.asText("") : "";
  }

  /** Coze's message without the token (in case Coze ever echoes it), capped in length. */
  private static String redact(String message, Secret accessToken) {
    return OAuthEndpoints.redact(message, List.of(accessToken.reveal()));
  }

  private static GatewayException.Unavailable unavailable(String message, String logId) {
    return OAuthEndpoints.unavailable(message, logId, null);
  }

  private static GatewayException.Unavailable unavailable(
      String message, String logId, String errorCode) {
    return OAuthEndpoints.unavailable(message, logId, errorCode);
  }

  private static GatewayException.Unavailable unavailable(
      String message, String logId, String errorCode, Throwable cause) {
    return OAuthEndpoints.unavailable(message, logId, errorCode, cause);
  }
}
