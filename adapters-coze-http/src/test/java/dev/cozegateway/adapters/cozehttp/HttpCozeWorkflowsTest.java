package dev.cozegateway.adapters.cozehttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.CozeApiException;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.CozeWorkflows;
import dev.cozegateway.domain.port.CozeWorkflows.Event;
import dev.cozegateway.domain.port.CozeWorkflows.EventStream;
import dev.cozegateway.domain.port.CozeWorkflows.Resume;
import dev.cozegateway.domain.port.CozeWorkflows.RunHistory;
import dev.cozegateway.domain.port.CozeWorkflows.RunResult;
import dev.cozegateway.domain.port.CozeWorkflows.WorkflowCall;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The adapter on the wire: what it sends, and how it reads the shapes of §2, §4 and §5 that the
 * sandbox never produces. Coze is a loopback JDK server answering with canned bodies.
 */
class HttpCozeWorkflowsTest {
  private static final String TOKEN = "czu_wire-test-token-must-never-leak-0123456789";
  private static final String LOGID = "20240708143040790E78F9318B35A2910B";
  private static final String SSE = "text/event-stream";
  private static final String WORKFLOW = "7431000000000000001";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CozeHttpConfig config =
      CozeHttpConfig.defaults().withStreamIdleTimeout(Duration.ofMillis(600));
  private final CozeWorkflows coze =
      TestApps.injector(config, OpenTelemetry.noop()).getInstance(CozeWorkflows.class);
  private final Secret token = Secret.of(TOKEN);
  private RecordingCozeServer server;
  private App app;

  @BeforeEach
  void setUp() throws IOException {
    server = RecordingCozeServer.start();
    app = TestApps.web(server.baseUri());
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  private WorkflowCall call() {
    return new WorkflowCall(WORKFLOW, "{\"city\": \"Paris\", \"n\": [1, 2]}", "", "");
  }

  private List<Event> streamed(String body) {
    server.reply(200, SSE + "; charset=utf-8", body, "X-Tt-Logid", LOGID);
    try (EventStream stream = coze.stream(app, token, call())) {
      List<Event> events = new ArrayList<>();
      for (Event e = stream.next(); e != null; e = stream.next()) {
        events.add(e);
      }
      assertThat(stream.logId()).isEqualTo(LOGID);
      return events;
    }
  }

  // ---- requests ----

  @Test
  void aRunSendsTheParametersAsAnObjectWithTheBearerToken() throws Exception {
    server.replyJson(200, "{\"code\":0,\"msg\":\"\",\"data\":\"{}\"}", LOGID);

    coze.run(app, token, new WorkflowCall(WORKFLOW, "{\"city\": \"Paris\"}", "7400", ""));

    RecordingCozeServer.Recorded request = server.takeRequest();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/v1/workflow/run");
    assertThat(request.header("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(request.header("Content-Type")).startsWith("application/json");
    JsonNode body = JSON.readTree(request.body());
    assertThat(body.get("workflow_id").asText()).isEqualTo(WORKFLOW);
    assertThat(body.get("parameters").isObject()).isTrue();
    assertThat(body.get("parameters").get("city").asText()).isEqualTo("Paris");
    assertThat(body.get("bot_id").asText()).isEqualTo("7400");
    assertThat(body.has("app_id")).isFalse();
    assertThat(body.has("is_async")).isFalse();
  }

  @Test
  void parametersThatAreNotJsonTravelAsAStringForCozeToJudge() throws Exception {
    server.replyJson(200, "{\"code\":4000,\"msg\":\"parameters is not valid JSON\"}", LOGID);

    CozeApiException e =
        (CozeApiException)
            catchThrowable(
                () -> coze.run(app, token, new WorkflowCall(WORKFLOW, "{not json", "", "")));

    assertThat(e.code()).isEqualTo(4000);
    assertThat(JSON.readTree(server.takeRequest().body()).get("parameters").asText())
        .isEqualTo("{not json");
  }

  @Test
  void anAsyncRunSetsIsAsyncAndResumesGoToThePluralPath() throws Exception {
    server.replyJson(200, "{\"code\":0,\"execute_id\":\"7482\",\"debug_url\":\"u\"}", LOGID);
    CozeWorkflows.AsyncStart start = coze.runAsync(app, token, call());
    assertThat(start).isEqualTo(new CozeWorkflows.AsyncStart("7482", "u", LOGID));
    assertThat(JSON.readTree(server.takeRequest().body()).get("is_async").asBoolean()).isTrue();

    server.replyJson(200, "{\"code\":0,\"data\":\"{}\"}", LOGID);
    coze.resume(app, token, new Resume(WORKFLOW, "1/2", "Paris", 2));
    RecordingCozeServer.Recorded resume = server.takeRequest();
    assertThat(resume.path()).isEqualTo("/v1/workflows/resume");
    JsonNode body = JSON.readTree(resume.body());
    assertThat(body.get("event_id").asText()).isEqualTo("1/2");
    assertThat(body.get("resume_data").asText()).isEqualTo("Paris");
    assertThat(body.get("interrupt_type").asInt()).isEqualTo(2);
  }

  // ---- run answers ----

  @Test
  void aRunAnswerIsReadFromTheTopLevel() {
    server.replyJson(
        200,
        "{\"code\":0,\"msg\":\"\",\"data\":\"{\\\"output\\\":\\\"北京\\\"}\",\"execute_id\":\"74\","
            + "\"debug_url\":\"https://www.coze.cn/work_flow?execute_id=74\",\"token\":100,"
            + "\"cost\":\"0.1\",\"usage\":{\"input_count\":50,\"token_count\":150,"
            + "\"output_count\":100},\"detail\":{\"logid\":\"body-logid\"}}",
        LOGID);

    RunResult result = coze.run(app, token, call());

    assertThat(result.output()).isEqualTo("{\"output\":\"北京\"}");
    assertThat(result.executeId()).isEqualTo("74");
    assertThat(result.usage().tokenCount()).isEqualTo(150);
    assertThat(result.usage().inputCount()).isEqualTo(50);
    assertThat(result.interrupt()).isNull();
    assertThat(result.logId()).isEqualTo(LOGID);
  }

  @Test
  void anInterruptedRunCarriesItsInterruptAndTheBodyLogIdWhenTheHeaderIsMissing() {
    server.reply(
        200,
        "application/json",
        "{\"code\":0,\"msg\":\"\",\"interrupt_data\":{\"data\":\"{\\\"content\\\":\\\"img?\\\"}\","
            + "\"required_parameters\":{\"img\":{\"required\":true}},\"event_id\":\"75/26\","
            + "\"type\":5},\"execute_id\":\"75\",\"detail\":{\"logid\":\"body-logid\"}}");

    RunResult result = coze.run(app, token, call());

    assertThat(result.interrupt().eventId()).isEqualTo("75/26");
    assertThat(result.interrupt().type()).isEqualTo(5);
    assertThat(result.interrupt().data()).isEqualTo("{\"content\":\"img?\"}");
    assertThat(result.output()).isEmpty();
    assertThat(result.logId()).isEqualTo("body-logid");
  }

  @Test
  void aHistoryRecordAcceptsNumericErrorCodesAndStringTokens() {
    server.replyJson(
        200,
        "{\"code\":0,\"msg\":\"\",\"data\":[{\"execute_id\":\"74\",\"execute_status\":\"Fail\","
            + "\"error_code\":4013,\"error_message\":\"model\",\"token\":\"0\",\"output\":\"\","
            + "\"debug_url\":\"u\",\"usage\":{\"input_count\":1,\"token_count\":3,"
            + "\"output_count\":2}}]}",
        LOGID);

    RunHistory history = coze.history(app, token, WORKFLOW, "74");

    assertThat(history.status()).isEqualTo(RunHistory.Status.FAIL);
    assertThat(history.errorCode()).isEqualTo("4013");
    assertThat(history.errorMessage()).isEqualTo("model");
    assertThat(history.usage().tokenCount()).isEqualTo(3);
    assertThat(history.logId()).isEqualTo(LOGID);
  }

  @Test
  void aSuccessfulHistoryHasAnEmptyErrorCode() throws Exception {
    server.replyJson(
        200,
        "{\"code\":0,\"data\":[{\"execute_status\":\"Success\",\"error_code\":\"\",\"token\":7,"
            + "\"output\":\"{\\\"Output\\\":\\\"hi\\\"}\"}]}",
        LOGID);

    RunHistory history = coze.history(app, token, WORKFLOW, "74");

    assertThat(history.status()).isEqualTo(RunHistory.Status.SUCCESS);
    assertThat(history.errorCode()).isEmpty();
    assertThat(history.output()).as("unwrapped from Coze's {\"Output\": …}").isEqualTo("hi");
    RecordingCozeServer.Recorded request = server.takeRequest();
    assertThat(request.method()).isEqualTo("GET");
    assertThat(request.path()).isEqualTo("/v1/workflows/" + WORKFLOW + "/run_histories/74");
  }

  // ---- errors ----

  @Test
  void aBusinessErrorIsDecidedOnTheBodysCodeWhateverTheStatus() {
    server.replyJson(500, "{\"code\":5000,\"msg\":\"internal\"}", LOGID);

    CozeApiException e = (CozeApiException) catchThrowable(() -> coze.run(app, token, call()));

    assertThat(e.code()).isEqualTo(5000);
    assertThat(e.logId()).isEqualTo(LOGID);
  }

  @Test
  void http401IsAuthenticationInvalidEvenWithoutABody() {
    server.reply(401, null, "", "X-Tt-Logid", LOGID);

    Throwable thrown = catchThrowable(() -> coze.run(app, token, call()));

    assertThat(thrown)
        .isInstanceOfSatisfying(
            CozeApiException.class,
            e -> {
              assertThat(e.code()).isEqualTo(4100);
              assertThat(e.isTokenInvalid()).isTrue();
              assertThat(e.logId()).isEqualTo(LOGID);
            });
  }

  @Test
  void aNonJson5xxIsUnavailableWithTheLogId() {
    server.reply(502, "text/html", "<html>Bad Gateway</html>", "X-Tt-Logid", LOGID);

    Throwable thrown = catchThrowable(() -> coze.run(app, token, call()));

    assertThat(thrown)
        .isInstanceOfSatisfying(
            GatewayException.Unavailable.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.COZE_UNAVAILABLE);
              assertThat(e.getMessage()).contains("502");
              assertThat(e.metadata()).containsEntry(GatewayException.COZE_LOGID, LOGID);
            });
  }

  @Test
  void aNonJson200IsUnavailable() {
    server.reply(200, "text/plain", "ok", "X-Tt-Logid", LOGID);

    assertThat(catchThrowable(() -> coze.run(app, token, call())))
        .isInstanceOf(GatewayException.Unavailable.class);
  }

  @Test
  void aHistoryWithoutARecordIsUnavailable() {
    server.replyJson(200, "{\"code\":0,\"data\":[]}", LOGID);

    assertThat(catchThrowable(() -> coze.history(app, token, WORKFLOW, "74")))
        .isInstanceOf(GatewayException.Unavailable.class);
  }

  @Test
  void theTokenNeverAppearsInAnExceptionEvenIfCozeEchoesIt() {
    server.replyJson(200, "{\"code\":4101,\"msg\":\"token " + TOKEN + " lacks run\"}", LOGID);

    Throwable thrown = catchThrowable(() -> coze.run(app, token, call()));

    assertThat(thrown).isInstanceOf(CozeApiException.class);
    assertThat(thrown.getMessage() + thrown).doesNotContain(TOKEN).contains("[redacted]");
  }

  @Test
  void anUnreachableCozeIsUnavailable() throws IOException {
    URI closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    Throwable thrown = catchThrowable(() -> coze.run(TestApps.web(closed), token, call()));

    assertThat(thrown).isInstanceOf(GatewayException.Unavailable.class);
    assertThat(String.valueOf(thrown.getMessage())).doesNotContain(TOKEN);
  }

  @Test
  void workflowCallsGetClientSpansThatCarryNoToken() {
    io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter spans =
        io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter.create();
    try (io.opentelemetry.sdk.OpenTelemetrySdk sdk =
        io.opentelemetry.sdk.OpenTelemetrySdk.builder()
            .setTracerProvider(
                io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
                    .addSpanProcessor(
                        io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(spans))
                    .build())
            .build()) {
      CozeWorkflows traced = TestApps.injector(config, sdk).getInstance(CozeWorkflows.class);
      server.replyJson(200, "{\"code\":0,\"data\":\"{}\"}", LOGID);
      traced.run(app, token, call());
      server.reply(200, SSE, "id: 0\nevent: Done\ndata: {}\n\n", "X-Tt-Logid", LOGID);
      try (EventStream stream = traced.stream(app, token, call())) {
        assertThat(stream.next()).isInstanceOf(Event.Done.class);
      }

      assertThat(spans.getFinishedSpanItems())
          .hasSizeGreaterThanOrEqualTo(2)
          .allSatisfy(
              span -> {
                assertThat(span.getKind()).isEqualTo(io.opentelemetry.api.trace.SpanKind.CLIENT);
                span.getAttributes()
                    .forEach(
                        (key, value) -> assertThat(String.valueOf(value)).doesNotContain(TOKEN));
              });
    }
  }

  // ---- SSE parsing (§4.2) ----

  @Test
  void noSpaceAfterColonsPingUnknownEventsAndDoneWithDebugUrl() {
    List<Event> events =
        streamed(
            "id:0\nevent:Message\ndata:{\"content\":\"Hello\",\"node_title\":\"Start\","
                + "\"node_seq_id\":\"0\",\"node_is_finish\":false}\n\n"
                + "id:1\nevent:Message\ndata:{\"content\":\"World\",\"node_title\":\"End\","
                + "\"node_seq_id\":\"1\",\"node_is_finish\":true}\n\n"
                + "id:2\nevent:PING\ndata:{}\n\n"
                + "id:3\nevent:invalid\ndata:{}\n\n"
                + "id:4\nevent:Done\ndata:{\"debug_url\":\"https://www.coze.cn/work_flow?***\"}\n\n");

    assertThat(events)
        .containsExactly(
            new Event.Message(0, "Hello", "Start", "0", false, "", null),
            new Event.Message(1, "World", "End", "1", true, "", null),
            new Event.Done(4, "https://www.coze.cn/work_flow?***"));
  }

  @Test
  void aNewEventStartsAtEachIdLineEvenWithoutABlankLineAndDoneMayBeEmpty() {
    List<Event> events =
        streamed(
            "id: 0\nevent: Message\ndata: {\"content\":\"{\\\"output\\\":1}\",\"node_is_finish\":"
                + "true,\"node_seq_id\":\"0\",\"node_title\":\"End\",\"token\":386,\"usage\":"
                + "{\"token_count\":3,\"input_count\":1,\"output_count\":2}}\n"
                + "id: 1\nevent: Done\ndata: {}");

    assertThat(events).hasSize(2);
    assertThat(events.get(0))
        .isInstanceOfSatisfying(
            Event.Message.class,
            m -> {
              assertThat(m.content()).isEqualTo("{\"output\":1}");
              assertThat(m.usage().tokenCount()).isEqualTo(3);
            });
    assertThat(events.get(1)).isEqualTo(new Event.Done(1, ""));
  }

  @Test
  void crlfLinesCommentsAndRetryLinesAreReadOrIgnored() {
    List<Event> events =
        streamed(
            ": a comment\r\nretry: 1000\r\nid: 0\r\nevent: Interrupt\r\ndata: {\"interrupt_data\":"
                + "{\"data\":\"\",\"event_id\":\"7404/2769\",\"type\":2},\"node_title\":\"问答\"}"
                + "\r\n\r\nid: 1\r\nevent: Done\r\ndata: {}\r\n\r\n");

    assertThat(events).hasSize(2);
    assertThat(events.get(0))
        .isInstanceOfSatisfying(
            Event.Interrupt.class,
            i -> {
              assertThat(i.interrupt().eventId()).isEqualTo("7404/2769");
              assertThat(i.interrupt().type()).isEqualTo(2);
              assertThat(i.interrupt().nodeTitle()).isEqualTo("问答");
            });
  }

  @Test
  void anErrorEventEndsTheStream() {
    List<Event> events =
        streamed(
            "id: 0\nevent: Error\ndata: {\"error_code\":4000,\"error_message\":\"Request parameter"
                + " error\"}\n\nid: 1\nevent: Message\ndata: {\"content\":\"late\"}\n\n");

    assertThat(events).containsExactly(new Event.Error(0, 4000, "Request parameter error"));
  }

  @Test
  void anEnvelopeUnderAnSseContentTypeIsCozesError() {
    server.reply(
        200, SSE, "\n{\"code\":4100,\"msg\":\"authentication is invalid\"}\n", "X-Tt-Logid", LOGID);

    Throwable thrown = catchThrowable(() -> coze.stream(app, token, call()));

    assertThat(thrown)
        .isInstanceOfSatisfying(
            CozeApiException.class,
            e -> {
              assertThat(e.code()).isEqualTo(4100);
              assertThat(e.logId()).isEqualTo(LOGID);
            });
  }

  @Test
  void aJsonAnswerToAStreamCallIsCozesError() {
    server.replyJson(200, "{\"code\":4000,\"msg\":\"json fail\"}", LOGID);

    Throwable thrown =
        catchThrowable(() -> coze.resumeStream(app, token, new Resume(WORKFLOW, "1/2", "x", 2)));

    assertThat(thrown)
        .isInstanceOfSatisfying(CozeApiException.class, e -> assertThat(e.code()).isEqualTo(4000));
  }

  @Test
  void aNonJson5xxToAStreamCallIsUnavailable() {
    server.reply(503, "text/html", "<html>down</html>");

    assertThat(catchThrowable(() -> coze.stream(app, token, call())))
        .isInstanceOf(GatewayException.Unavailable.class);
  }

  @Test
  void aMessageWhoseDataIsNotJsonIsUnavailable() {
    server.reply(200, SSE, "id: 0\nevent: Message\ndata: not json\n\n");

    try (EventStream stream = coze.stream(app, token, call())) {
      assertThat(catchThrowable(stream::next)).isInstanceOf(GatewayException.Unavailable.class);
      assertThat(stream.next()).isNull();
    }
  }

  // ---- timing: idle timeout and close ----

  @Test
  void aSilentStreamFailsAfterTheIdleTimeout() throws Exception {
    try (SlowCoze slow = new SlowCoze()) {
      slow.script(
          "id: 0\nevent: Message\ndata: {\"content\":\"a\"}\n\n", SlowCoze.STALL); // then silence
      try (EventStream stream = coze.stream(TestApps.web(slow.baseUri()), token, call())) {
        assertThat(stream.next()).isInstanceOf(Event.Message.class);
        long started = System.nanoTime();

        Throwable thrown = catchThrowable(stream::next);

        assertThat(thrown)
            .isInstanceOf(GatewayException.Unavailable.class)
            .hasMessageContaining("no event");
        assertThat(Duration.ofNanos(System.nanoTime() - started))
            .isBetween(Duration.ofMillis(500), Duration.ofSeconds(5));
        assertThat(stream.next()).isNull();
      }
    }
  }

  @Test
  void aStreamMayLastLongerThanTheIdleTimeoutWhileEventsKeepComing() throws Exception {
    try (SlowCoze slow = new SlowCoze()) {
      List<String> parts = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        parts.add("id: " + i + "\nevent: PING\ndata: {}\n\n");
        parts.add(SlowCoze.pause(250));
      }
      parts.add("id: 8\nevent: Done\ndata: {}\n\n");
      slow.script(parts.toArray(String[]::new));

      try (EventStream stream = coze.stream(TestApps.web(slow.baseUri()), token, call())) {
        assertThat(stream.next()).isEqualTo(new Event.Done(8, ""));
      }
    }
  }

  @Test
  void closeFromAnotherThreadWakesANextBlockedOnASilentCoze() throws Exception {
    CozeWorkflows patient =
        TestApps.injector(CozeHttpConfig.defaults(), OpenTelemetry.noop())
            .getInstance(CozeWorkflows.class);
    try (SlowCoze slow = new SlowCoze()) {
      slow.script("id: 0\nevent: Message\ndata: {\"content\":\"a\"}\n\n", SlowCoze.PROBE);
      EventStream stream = patient.stream(TestApps.web(slow.baseUri()), token, call());
      assertThat(stream.next()).isNotNull();
      CompletableFuture<Object> blocked =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return String.valueOf(stream.next());
                } catch (GatewayException.Unavailable e) {
                  return e;
                }
              });
      assertThat(slow.awaitStalled()).isTrue();

      stream.close();

      assertThat(blocked.get(5, TimeUnit.SECONDS))
          .satisfiesAnyOf(
              r -> assertThat(r).isEqualTo("null"),
              r -> assertThat(r).isInstanceOf(GatewayException.Unavailable.class));
      assertThat(slow.awaitClientGone()).as("Coze sees the client leave").isTrue();
    }
  }

  /**
   * A Coze that writes a scripted SSE body part by part, flushing each: {@link #pause} waits,
   * {@link #STALL} stays silent until the server closes, and {@link #PROBE} sends only comment
   * lines until then, so a client that left is noticed.
   */
  private static final class SlowCoze implements AutoCloseable {
    static final String STALL = "\u0000stall";
    static final String PROBE = "\u0000probe";
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch stalled = new CountDownLatch(1);
    private final CountDownLatch clientGone = new CountDownLatch(1);
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicBoolean scripted = new AtomicBoolean();
    private volatile List<String> parts = List.of();

    SlowCoze() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setExecutor(executor);
      server.createContext("/", exchange -> serve(exchange));
      server.start();
    }

    static String pause(long millis) {
      return "\u0000pause" + millis;
    }

    void script(String... parts) {
      this.parts = List.of(parts);
      scripted.set(true);
    }

    URI baseUri() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    boolean awaitStalled() throws InterruptedException {
      return stalled.await(5, TimeUnit.SECONDS);
    }

    boolean awaitClientGone() throws InterruptedException {
      return clientGone.await(5, TimeUnit.SECONDS);
    }

    private void serve(com.sun.net.httpserver.HttpExchange exchange) throws IOException {
      exchange.getRequestBody().readAllBytes();
      exchange.getResponseHeaders().add("Content-Type", SSE);
      exchange.getResponseHeaders().add("X-Tt-Logid", LOGID);
      exchange.sendResponseHeaders(200, 0);
      try (OutputStream out = exchange.getResponseBody()) {
        for (String part : parts) {
          if (part.equals(STALL)) {
            stalled.countDown();
            closing.await();
            return;
          } else if (part.equals(PROBE)) {
            stalled.countDown();
            // Probe the connection now and then, as Coze's PING writes would, to notice a
            // client that left; the probe is a comment line, which clients ignore.
            while (!closing.await(50, TimeUnit.MILLISECONDS)) {
              out.write(": probe\n".getBytes(StandardCharsets.UTF_8));
              out.flush();
            }
            return;
          } else if (part.startsWith("\u0000pause")) {
            Thread.sleep(Long.parseLong(part.substring("\u0000pause".length())));
          } else {
            out.write(part.getBytes(StandardCharsets.UTF_8));
            out.flush();
          }
        }
      } catch (IOException e) {
        clientGone.countDown();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        exchange.close();
      }
    }

    @Override
    public void close() {
      closing.countDown();
      server.stop(0);
      executor.shutdownNow();
    }
  }
}
