package dev.cozegateway.bootstrap;

import static dev.cozegateway.bootstrap.EndToEnd.badRequestFields;
import static dev.cozegateway.bootstrap.EndToEnd.catchStatus;
import static dev.cozegateway.bootstrap.EndToEnd.errorInfo;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.ErrorInfo;
import dev.cozegateway.adapters.vault.KeyRing;
import dev.cozegateway.api.v1.AppSession;
import dev.cozegateway.api.v1.AuthServiceGrpc;
import dev.cozegateway.api.v1.CancelWorkflowRunRequest;
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.api.v1.GetAccessTokenRequest;
import dev.cozegateway.api.v1.GetConnectionRequest;
import dev.cozegateway.api.v1.GetWorkflowRunRequest;
import dev.cozegateway.api.v1.ListWorkflowRunsRequest;
import dev.cozegateway.api.v1.ListWorkflowRunsResponse;
import dev.cozegateway.api.v1.ResumeWorkflowRunRequest;
import dev.cozegateway.api.v1.RunWorkflowRequest;
import dev.cozegateway.api.v1.StreamWorkflowRequest;
import dev.cozegateway.api.v1.WorkflowEvent;
import dev.cozegateway.api.v1.WorkflowInterrupt;
import dev.cozegateway.api.v1.WorkflowRun;
import dev.cozegateway.api.v1.WorkflowServiceGrpc;
import dev.cozegateway.bootstrap.config.ConfigSource;
import dev.cozegateway.bootstrap.config.GatewayConfig;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxConfig;
import dev.cozegateway.sandbox.SandboxWorkflow;
import dev.cozegateway.sandbox.StreamDisconnect;
import dev.cozegateway.sandbox.WorkflowStats;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.LoggerFactory;

/**
 * Workflows end to end: one gateway as {@code serve} runs it (Netty gRPC, the embedded store, the
 * Coze HTTP adapter) against the Coze sandbox over loopback HTTP, driven through a real gRPC
 * channel. Each test proves one item of the workflow issue's "Done when" list and prints one {@code
 * [wf-e2e]} line with the figures it checked. The gateway shares the sandbox's clock, so an async
 * run finishes when the test moves that clock. The tests share the gateway (and its logs and spans,
 * which the last test searches for secrets), and run in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WorkflowEndToEndTest {
  private static final String TENANT = SandboxWiring.TENANT;
  private static final String ALICE = TENANT + "/connections/alice";
  private static final String CAROL = TENANT + "/connections/carol";
  private static final String BOB = TENANT + "/connections/bob";

  // The sandbox's demo workflows.
  private static final String ECHO = "7431000000000000001";
  private static final String JOKE = "7431000000000000002"; // 4 messages, pings between
  private static final String QUIZ = "7431000000000000004"; // expects "Paris"

  // This test's own workflows.
  private static final String FIFTY = "7431000000000000101";
  private static final String DRIP = "7431000000000000102";
  private static final String SLOW = "7431000000000000103";
  private static final String ASYNC_SLOW = "7431000000000000104";
  private static final String LIST_A = "7431000000000000105";
  private static final String LIST_B = "7431000000000000106";
  private static final String BURST = "7431000000000000107";
  private static final String UNKNOWN = "7431999999999999999";

  private static final String JWT_APP = "apps/" + SandboxWiring.JWT_APP;
  private static final String WRONG_KID_APP = "robot-wrong-kid";

  private Path dataDir;
  private final KeyRing keyRing = KeyRing.parse(KeyRing.generateKeyLine("k1"), null);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  // Each gateway owns (and on close shuts down) its telemetry, so each start gets a new exporter,
  // and what it recorded is kept here before the gateway closes.
  private InMemorySpanExporter spans;
  private final List<SpanData> recordedSpans = new ArrayList<>();
  private final Set<String> accessTokens = new HashSet<>();
  private final ExecutorService pool = Executors.newFixedThreadPool(100);
  private int httpPort;
  private CozeSandbox sandbox;
  private Gateway gateway;
  private ManagedChannel channel;
  private AuthServiceGrpc.AuthServiceBlockingStub auth;

  @BeforeAll
  void start() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ((Logger) LoggerFactory.getLogger("dev.cozegateway")).setLevel(Level.DEBUG);
    logs.start();
    root.addAppender(logs);
    dataDir = Files.createTempDirectory("wf-e2e");
    httpPort = SandboxWiring.freePort();
    List<String> fifty = IntStream.range(0, 50).mapToObj(i -> String.format("m%02d ", i)).toList();
    List<String> ten = IntStream.range(0, 10).mapToObj(i -> "b" + i + " ").toList();
    List<String> forty = IntStream.range(0, 40).mapToObj(i -> "d" + i + " ").toList();
    SandboxConfig config =
        SandboxConfig.demo(0, List.of(SandboxWiring.callbackUri(httpPort)))
            .withAutoApprove(true)
            .withWorkflow(
                new SandboxWorkflow.Streaming(
                    FIFTY, "fifty", fifty, Duration.ofMillis(5), Duration.ZERO))
            .withWorkflow(
                new SandboxWorkflow.Streaming(
                    DRIP, "drip", forty, Duration.ofMillis(100), Duration.ZERO))
            .withWorkflow(
                new SandboxWorkflow.Slow(
                    SLOW, "slow", Duration.ofSeconds(5), Duration.ofMillis(100)))
            .withWorkflow(
                new SandboxWorkflow.Slow(
                    ASYNC_SLOW, "async slow", Duration.ofSeconds(30), Duration.ZERO))
            .withWorkflow(new SandboxWorkflow.Echo(LIST_A, "list a"))
            .withWorkflow(new SandboxWorkflow.Echo(LIST_B, "list b"))
            .withWorkflow(
                new SandboxWorkflow.Streaming(
                    BURST, "burst", ten, Duration.ofMillis(10), Duration.ZERO));
    sandbox = CozeSandbox.start(config);
    startGateway();
    Alice.connect(auth);
    Alice.connectAs(auth, "carol");
    Alice.connectAs(auth, "bob");
    for (String connection : List.of(ALICE, CAROL, BOB)) {
      accessToken(connection);
    }
  }

  @AfterAll
  void stop() throws Exception {
    pool.shutdownNow();
    if (gateway != null) {
      stopGateway();
    }
    sandbox.close();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    try (var files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private void startGateway() {
    var tree = SandboxWiring.configTree(sandbox, keyRing, 0, httpPort, dataDir);
    // The demo's JWT app once more, with a key id the sandbox has never registered.
    for (var app : tree.withArray("apps")) {
      if (app.get("id").asText().equals(SandboxWiring.JWT_APP)) {
        tree.withArray("apps")
            .addObject()
            .put("id", WRONG_KID_APP)
            .put("type", "jwt")
            .put("region", app.get("region").asText())
            .put("client-id", app.get("client-id").asText())
            .put("private-key", app.get("private-key").asText())
            .put("key-id", "not-a-registered-key-id");
        break;
      }
    }
    tree.putObject("refresh").put("sweep-enabled", "false");
    tree.putObject("workflows")
        .put("sweep-interval", "50ms")
        .put("first-poll", "50ms")
        .put("max-poll-interval", "200ms");
    GatewayConfig config = GatewayConfig.from(ConfigSource.of(tree, Map.of()));
    spans = InMemorySpanExporter.create();
    OpenTelemetrySdk otel =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .build();
    gateway = Gateway.start(config, keyRing, Map.of(), sandbox.clock(), Telemetry.wrap(otel));
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();
    auth = AuthServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private void stopGateway() {
    channel.shutdownNow();
    recordedSpans.addAll(spans.getFinishedSpanItems());
    gateway.close();
    gateway = null;
  }

  private WorkflowServiceGrpc.WorkflowServiceBlockingStub workflows() {
    return WorkflowServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  // ---- 1. sync ----

  @Test
  @Order(1)
  void syncRunReturnsTheFinishedRun() {
    Struct parameters =
        Struct.newBuilder()
            .putFields("city", Value.newBuilder().setStringValue("Paris").build())
            .putFields("days", Value.newBuilder().setNumberValue(3).build())
            .build();
    WorkflowRun run = workflows().runWorkflow(run(ALICE, ECHO).setParameters(parameters).build());

    assertThat(run.getState()).isEqualTo(WorkflowRun.State.SUCCEEDED);
    assertThat(run.getMode()).isEqualTo(WorkflowRun.Mode.SYNC);
    assertThat(run.getName()).startsWith(TENANT + "/workflowRuns/");
    assertThat(run.getOutputStruct()).isEqualTo(parameters);
    assertThat(run.getOutput()).contains("\"city\":\"Paris\"");
    assertThat(run.getUsage().getInputCount()).isPositive();
    assertThat(run.getUsage().getTokenCount())
        .isEqualTo(run.getUsage().getInputCount() + run.getUsage().getOutputCount());
    assertThat(run.getExecuteId()).isNotEmpty();
    assertThat(run.getDebugUrl()).contains("execute_id=" + run.getExecuteId());
    assertThat(run.getCozeLogid()).isNotEmpty();
    assertThat(get(run.getName())).isEqualTo(run);
    report(
        "sync: %s %s output=%s output_struct.city=%s usage=%d/%d/%d debug_url=…%s logid=%s",
        run.getName(),
        run.getState(),
        run.getOutput(),
        run.getOutputStruct().getFieldsOrThrow("city").getStringValue(),
        run.getUsage().getInputCount(),
        run.getUsage().getOutputCount(),
        run.getUsage().getTokenCount(),
        run.getDebugUrl().substring(run.getDebugUrl().indexOf("/work_flow")),
        run.getCozeLogid());
  }

  // ---- 2. async ----

  @Test
  @Order(2)
  void asyncRunIsPolledToCompletion() {
    long historyBefore = sandbox.workflowStats().historyQueries();
    WorkflowRun started =
        workflows()
            .runWorkflow(
                run(ALICE, ECHO).setAsync(true).setParameters(struct("n", "async")).build());
    assertThat(started.getState()).isEqualTo(WorkflowRun.State.RUNNING);
    assertThat(started.getMode()).isEqualTo(WorkflowRun.Mode.ASYNC);
    assertThat(started.getExecuteId()).isNotEmpty();
    long t0 = System.nanoTime();

    WorkflowRun done = awaitState(started.getName(), WorkflowRun.State.SUCCEEDED);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(done.getOutputStruct()).isEqualTo(struct("n", "async"));
    assertThat(done.getExecuteId()).isEqualTo(started.getExecuteId());
    assertThat(done.getDebugUrl()).isNotEmpty();
    long polls = sandbox.workflowStats().historyQueries() - historyBefore;
    assertThat(polls).isPositive();
    report(
        "async: RunWorkflow(async) -> %s; the sweep polled run_histories %d time(s) -> %s in %d"
            + " ms, output=%s",
        started.getState(), polls, done.getState(), millis, done.getOutput());
  }

  // ---- 3. a stream of 50 messages ----

  @Test
  @Order(3)
  void streamRelaysFiftyMessagesInOrder() {
    long t0 = System.nanoTime();
    List<WorkflowEvent> events = collect(workflows().streamWorkflow(stream(ALICE, FIFTY).build()));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    List<WorkflowEvent> messages = events.stream().filter(WorkflowEvent::hasMessage).toList();
    assertThat(messages).hasSize(51); // 50 from the message node, then the end node's
    for (int i = 0; i < 50; i++) {
      assertThat(messages.get(i).getMessage().getContent()).isEqualTo(String.format("m%02d ", i));
      assertThat(messages.get(i).getMessage().getNodeSeqId()).isEqualTo(Integer.toString(i));
    }
    assertThat(events.get(events.size() - 1).hasDone()).isTrue();
    assertThat(events).filteredOn(WorkflowEvent::hasDone).hasSize(1);
    assertThat(events.stream().mapToLong(WorkflowEvent::getId).toArray())
        .containsExactly(ids(events.size()));
    String name = events.get(0).getWorkflowRun();
    assertThat(events).allMatch(e -> e.getWorkflowRun().equals(name));
    WorkflowRun run = get(name);
    assertThat(run.getState()).isEqualTo(WorkflowRun.State.SUCCEEDED);
    assertThat(run.getMode()).isEqualTo(WorkflowRun.Mode.STREAM);
    assertThat(run.getOutputStruct().getFieldsOrThrow("output").getStringValue())
        .startsWith("m00 m01 ")
        .endsWith("m49 ");
    assertThat(run.getDebugUrl())
        .isEqualTo(events.get(events.size() - 1).getDone().getDebugUrl())
        .isNotEmpty();
    // The demo's joke pings every 100 ms between its messages: the pings are not relayed.
    List<WorkflowEvent> joke = collect(workflows().streamWorkflow(stream(ALICE, JOKE).build()));
    assertThat(joke).hasSize(6);
    assertThat(joke.subList(0, 5)).allMatch(WorkflowEvent::hasMessage);
    assertThat(joke.get(5).hasDone()).isTrue();
    assertThat(joke.get(5).getId()).as("Coze counted the pings").isGreaterThan(5);
    report(
        "stream: %d events (%d messages, done last), ids 0..%d contiguous, in %d ms; run %s,"
            + " usage tokens %d; a pinging stream relayed %d events (ids %s), no PING",
        events.size(),
        messages.size(),
        events.size() - 1,
        millis,
        run.getState(),
        run.getUsage().getTokenCount(),
        joke.size(),
        joke.stream().map(WorkflowEvent::getId).toList());
  }

  // ---- 4. interrupt, resume, finish ----

  @Test
  @Order(4)
  void streamedRunInterruptsAndResumesToTheEnd() {
    List<WorkflowEvent> first = collect(workflows().streamWorkflow(stream(ALICE, QUIZ).build()));
    WorkflowEvent last = first.get(first.size() - 1);
    assertThat(last.hasInterrupt()).as("the stream ends at the interrupt: %s", first).isTrue();
    assertThat(first.get(0).getMessage().getContent()).contains("capital of France");
    String name = last.getWorkflowRun();
    WorkflowRun interrupted = get(name);
    assertThat(interrupted.getState()).isEqualTo(WorkflowRun.State.INTERRUPTED);
    assertThat(interrupted.getInterrupt()).isEqualTo(last.getInterrupt());
    assertThat(interrupted.getInterrupt().getType()).isEqualTo(2);
    long streamResumes = sandbox.workflowStats().streamResumes();

    List<WorkflowEvent> resumed =
        collect(workflows().resumeWorkflowRun(resume(name, interrupted.getInterrupt(), "Paris")));
    assertThat(resumed).last().matches(WorkflowEvent::hasDone);
    assertThat(resumed.get(0).getMessage().getContent()).isEqualTo("{\"output\":\"Paris\"}");
    assertThat(resumed.stream().mapToLong(WorkflowEvent::getId).toArray())
        .containsExactly(ids(resumed.size()));
    WorkflowRun finished = get(name);
    assertThat(finished.getState()).isEqualTo(WorkflowRun.State.SUCCEEDED);
    assertThat(finished.getResumeCount()).isEqualTo(1);
    assertThat(finished.hasInterrupt()).isFalse();
    assertThat(finished.getOutputStruct().getFieldsOrThrow("output").getStringValue())
        .isEqualTo("Paris");
    assertThat(sandbox.workflowStats().streamResumes() - streamResumes).isEqualTo(1);
    report(
        "interrupt+resume (stream): %d events -> INTERRUPTED at %s (type %d); resume \"Paris\""
            + " -> %d events, done last -> %s, resume_count %d, output %s",
        first.size(),
        interrupted.getInterrupt().getEventId(),
        interrupted.getInterrupt().getType(),
        resumed.size(),
        finished.getState(),
        finished.getResumeCount(),
        finished.getOutput());
  }

  @Test
  @Order(5)
  void syncRunInterruptsAndResumesWithTheNonStreamEndpoint() {
    WorkflowRun interrupted = workflows().runWorkflow(run(ALICE, QUIZ).build());
    assertThat(interrupted.getState()).isEqualTo(WorkflowRun.State.INTERRUPTED);
    assertThat(interrupted.getInterrupt().getData()).contains("capital of France");
    assertThat(interrupted.getInterrupt().getEventId()).contains("/");
    WorkflowStats before = sandbox.workflowStats();

    List<WorkflowEvent> resumed =
        collect(
            workflows()
                .resumeWorkflowRun(
                    resume(interrupted.getName(), interrupted.getInterrupt(), "Paris")));
    assertThat(resumed).hasSize(1);
    assertThat(resumed.get(0).hasDone()).isTrue();
    WorkflowRun finished = get(interrupted.getName());
    assertThat(finished.getState()).isEqualTo(WorkflowRun.State.SUCCEEDED);
    assertThat(finished.getResumeCount()).isEqualTo(1);
    assertThat(finished.getOutputStruct().getFieldsOrThrow("output").getStringValue())
        .isEqualTo("Paris");
    WorkflowStats after = sandbox.workflowStats();
    assertThat(after.resumes() - before.resumes()).isEqualTo(1);
    assertThat(after.streamResumes()).isEqualTo(before.streamResumes());
    report(
        "interrupt+resume (sync): RunWorkflow -> INTERRUPTED (data %s); ResumeWorkflowRun via"
            + " /v1/workflows/resume (non-stream resumes +%d, stream +%d) -> 1 event (done) ->"
            + " %s, output %s",
        interrupted.getInterrupt().getData(),
        after.resumes() - before.resumes(),
        after.streamResumes() - before.streamResumes(),
        finished.getState(),
        finished.getOutput());
  }

  // ---- 5. three bad answers ----

  @Test
  @Order(6)
  void threeBadAnswersFailTheRunAndAFourthResumeIsRefusedByTheGateway() {
    List<WorkflowEvent> first = collect(workflows().streamWorkflow(stream(ALICE, QUIZ).build()));
    String name = first.get(0).getWorkflowRun();
    List<String> answers = List.of("Lyon", "Berlin", "Rome");
    List<String> outcomes = new ArrayList<>();
    for (int i = 0; i < answers.size(); i++) {
      WorkflowRun run = get(name);
      assertThat(run.getState()).isEqualTo(WorkflowRun.State.INTERRUPTED);
      List<WorkflowEvent> events =
          collect(workflows().resumeWorkflowRun(resume(name, run.getInterrupt(), answers.get(i))));
      WorkflowEvent last = events.get(events.size() - 1);
      if (i < 2) {
        assertThat(last.hasInterrupt()).as("answer %d asks again", i + 1).isTrue();
        assertThat(last.getInterrupt().getEventId()).isNotEqualTo(run.getInterrupt().getEventId());
        outcomes.add("interrupt");
      } else {
        assertThat(last.hasError()).as("the third bad answer fails the run").isTrue();
        assertThat(last.getError().getCozeErrorCode()).isEqualTo("4000");
        outcomes.add("error " + last.getError().getCozeErrorCode());
      }
    }
    WorkflowRun failed = get(name);
    assertThat(failed.getState()).isEqualTo(WorkflowRun.State.FAILED);
    assertThat(failed.getResumeCount()).isEqualTo(3);
    assertThat(failed.getError().getCozeErrorCode()).isEqualTo("4000");

    // The same through RunWorkflow and the non-stream resume endpoint: Coze answers the third
    // bad answer with 4000, which names the answer.
    WorkflowRun sync = workflows().runWorkflow(run(ALICE, QUIZ).build());
    List<String> syncOutcomes = new ArrayList<>();
    for (int i = 0; i < answers.size(); i++) {
      WorkflowRun current = get(sync.getName());
      ResumeWorkflowRunRequest request =
          resume(sync.getName(), current.getInterrupt(), answers.get(i));
      if (i < 2) {
        List<WorkflowEvent> events = collect(workflows().resumeWorkflowRun(request));
        assertThat(events).hasSize(1);
        assertThat(events.get(0).hasInterrupt()).isTrue();
        syncOutcomes.add("interrupt");
      } else {
        StatusRuntimeException e =
            catchStatus(() -> collect(workflows().resumeWorkflowRun(request)));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(errorInfo(e).getMetadataOrThrow("coze_error_code")).isEqualTo("4000");
        assertThat(badRequestFields(e)).containsExactly("resume_data");
        syncOutcomes.add(e.getStatus().getCode() + " " + badRequestFields(e));
      }
    }
    WorkflowRun syncFailed = get(sync.getName());
    assertThat(syncFailed.getState()).isEqualTo(WorkflowRun.State.FAILED);
    assertThat(syncFailed.getResumeCount()).isEqualTo(3);

    WorkflowStats before = sandbox.workflowStats();
    StatusRuntimeException fourth =
        catchStatus(
            () ->
                collect(
                    workflows()
                        .resumeWorkflowRun(
                            ResumeWorkflowRunRequest.newBuilder()
                                .setName(name)
                                .setEventId("1/2")
                                .setResumeData("Paris")
                                .setInterruptType(2)
                                .build())));
    assertThat(fourth.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(errorInfo(fourth).getReason()).isEqualTo("WORKFLOW_RESUME_LIMIT_REACHED");
    WorkflowStats after = sandbox.workflowStats();
    assertThat(after.allResumes()).isEqualTo(before.allResumes());
    assertThat(after.rejections()).isEqualTo(before.rejections());
    report(
        "3 bad answers: stream %s -> run %s (resume_count %d, coze code %s); sync %s -> run %s"
            + " (resume_count %d); 4th resume -> %s %s, Coze resume calls +%d",
        outcomes,
        failed.getState(),
        failed.getResumeCount(),
        failed.getError().getCozeErrorCode(),
        syncOutcomes,
        syncFailed.getState(),
        syncFailed.getResumeCount(),
        fourth.getStatus().getCode(),
        errorInfo(fourth).getReason(),
        after.allResumes() - before.allResumes());
  }

  // ---- 6. client cancellation ----

  @Test
  @Order(7)
  void clientCancellationClosesTheStreamToCozeAndCancelsTheRun() {
    int disconnectsBefore = sandbox.streamDisconnects().size();
    Context.CancellableContext context = Context.current().withCancellation();
    List<WorkflowEvent> received = new ArrayList<>();
    context.run(
        () -> {
          Iterator<WorkflowEvent> events = workflows().streamWorkflow(stream(ALICE, DRIP).build());
          while (received.size() < 3 && events.hasNext()) {
            received.add(events.next());
          }
        });
    context.cancel(null);
    String name = received.get(0).getWorkflowRun();

    StreamDisconnect disconnect = awaitDisconnect(disconnectsBefore, DRIP);
    WorkflowRun run = awaitState(name, WorkflowRun.State.CANCELLED);
    assertThat(disconnect.eventsSent()).isLessThan(40);
    assertThat(run.getError().getReason()).isEqualTo("CANCELLED");
    report(
        "client cancel after %d of 41 messages: sandbox saw the disconnect after sending %d"
            + " events; run %s (%s)",
        received.size(), disconnect.eventsSent(), run.getState(), run.getError().getReason());
  }

  @Test
  @Order(8)
  void cancelWorkflowRunStopsARelayAndAnAsyncRun() throws Exception {
    int disconnectsBefore = sandbox.streamDisconnects().size();
    List<WorkflowEvent> received = new CopyOnWriteArrayList<>();
    CountDownLatch threeEvents = new CountDownLatch(3);
    Future<List<WorkflowEvent>> streaming =
        pool.submit(
            () -> {
              Iterator<WorkflowEvent> events =
                  workflows().streamWorkflow(stream(ALICE, DRIP).build());
              while (events.hasNext()) {
                received.add(events.next());
                threeEvents.countDown();
              }
              return received;
            });
    assertThat(threeEvents.await(10, TimeUnit.SECONDS)).isTrue();
    String name = received.get(0).getWorkflowRun();
    WorkflowRun cancelled =
        workflows().cancelWorkflowRun(CancelWorkflowRunRequest.newBuilder().setName(name).build());
    assertThat(cancelled.getState()).isEqualTo(WorkflowRun.State.CANCELLED);
    List<WorkflowEvent> events = streaming.get(10, TimeUnit.SECONDS);
    WorkflowEvent last = events.get(events.size() - 1);
    assertThat(last.hasError()).as("the stream ends with an error event: %s", last).isTrue();
    assertThat(last.getError().getReason()).isEqualTo("CANCELLED");
    StreamDisconnect disconnect = awaitDisconnect(disconnectsBefore, DRIP);
    assertThat(get(name).getState()).isEqualTo(WorkflowRun.State.CANCELLED);

    WorkflowRun async = workflows().runWorkflow(run(ALICE, ASYNC_SLOW).setAsync(true).build());
    WorkflowRun asyncCancelled =
        workflows()
            .cancelWorkflowRun(
                CancelWorkflowRunRequest.newBuilder().setName(async.getName()).build());
    assertThat(asyncCancelled.getState()).isEqualTo(WorkflowRun.State.CANCELLED);
    sandbox.clock().advance(Duration.ofSeconds(31)); // Coze finishes it; nobody asks any more
    WorkflowRun other = workflows().runWorkflow(run(ALICE, ECHO).setAsync(true).build());
    awaitState(other.getName(), WorkflowRun.State.SUCCEEDED); // the sweep has run meanwhile
    assertThat(get(async.getName()).getState()).isEqualTo(WorkflowRun.State.CANCELLED);
    StatusRuntimeException again =
        catchStatus(
            () ->
                workflows()
                    .cancelWorkflowRun(
                        CancelWorkflowRunRequest.newBuilder().setName(other.getName()).build()));
    assertThat(again.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    report(
        "CancelWorkflowRun: mid-stream after %d events -> run CANCELLED, stream ended with error"
            + " event %s, sandbox saw the disconnect after %d events; async run -> CANCELLED and"
            + " stays so after Coze finished it; cancelling a SUCCEEDED run -> %s",
        events.size() - 1,
        last.getError().getReason(),
        disconnect.eventsSent(),
        again.getStatus().getCode());
  }

  // ---- 7. deadline ----

  @Test
  @Order(9)
  void streamDeadlineClosesTheStreamToCozeAndCancelsTheRun() {
    int disconnectsBefore = sandbox.streamDisconnects().size();
    long t0 = System.nanoTime();
    StatusRuntimeException expired =
        catchStatus(
            () ->
                collect(
                    WorkflowServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(700, TimeUnit.MILLISECONDS)
                        .streamWorkflow(stream(ALICE, SLOW).build())));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(expired.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);

    StreamDisconnect disconnect = awaitDisconnect(disconnectsBefore, SLOW);
    List<WorkflowRun> runs =
        workflows()
            .listWorkflowRuns(
                ListWorkflowRunsRequest.newBuilder().setParent(TENANT).setWorkflowId(SLOW).build())
            .getWorkflowRunsList();
    assertThat(runs).hasSize(1);
    WorkflowRun run = awaitState(runs.get(0).getName(), WorkflowRun.State.CANCELLED);
    report(
        "deadline 700 ms on a 5 s workflow: %s after %d ms; sandbox saw the disconnect (%d"
            + " pings/events sent); run %s",
        expired.getStatus().getCode(), millis, disconnect.eventsSent(), run.getState());
  }

  // ---- 8. request_id ----

  @Test
  @Order(10)
  void aRepeatedRequestIdMakesOneCozeCall() {
    long before = sandbox.workflowStats().syncRuns();
    RunWorkflowRequest request =
        run(ALICE, ECHO).setParameters(struct("q", "once")).setRequestId("req-dup-1").build();
    WorkflowRun first = workflows().runWorkflow(request);
    WorkflowRun second = workflows().runWorkflow(request);
    assertThat(second.getName()).isEqualTo(first.getName());
    assertThat(second.getState()).isEqualTo(WorkflowRun.State.SUCCEEDED);
    assertThat(second.getRequestId()).isEqualTo("req-dup-1");
    long calls = sandbox.workflowStats().syncRuns() - before;
    assertThat(calls).isEqualTo(1);

    StatusRuntimeException conflict =
        catchStatus(
            () ->
                workflows()
                    .runWorkflow(request.toBuilder().setParameters(struct("q", "other")).build()));
    assertThat(conflict.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(errorInfo(conflict).getReason()).isEqualTo("REQUEST_ID_CONFLICT");
    assertThat(sandbox.workflowStats().syncRuns() - before).isEqualTo(1);

    // A repeated stream request replays the run's outcome without streaming it again.
    long streamsBefore = sandbox.workflowStats().streamRuns();
    StreamWorkflowRequest streamRequest =
        stream(ALICE, BURST).setRequestId("req-dup-stream").build();
    List<WorkflowEvent> original = collect(workflows().streamWorkflow(streamRequest));
    List<WorkflowEvent> replay = collect(workflows().streamWorkflow(streamRequest));
    assertThat(replay).hasSize(1);
    assertThat(replay.get(0).hasDone()).isTrue();
    assertThat(replay.get(0).getWorkflowRun()).isEqualTo(original.get(0).getWorkflowRun());
    assertThat(sandbox.workflowStats().streamRuns() - streamsBefore).isEqualTo(1);
    report(
        "request_id: 2 identical RunWorkflow -> same run %s, %d Coze call; same id, other"
            + " parameters -> %s %s; repeated StreamWorkflow -> %d event (done), %d Coze stream",
        first.getName(),
        calls,
        conflict.getStatus().getCode(),
        errorInfo(conflict).getReason(),
        replay.size(),
        sandbox.workflowStats().streamRuns() - streamsBefore);
  }

  // ---- 9. restart during an async run ----

  @Test
  @Order(11)
  void anAsyncRunSurvivesAGatewayRestart() {
    WorkflowRun started = workflows().runWorkflow(run(ALICE, ASYNC_SLOW).setAsync(true).build());
    assertThat(started.getState()).isEqualTo(WorkflowRun.State.RUNNING);
    long historyBefore = sandbox.workflowStats().historyQueries();
    // The sweep polls it (Coze says Running) at least once before the gateway goes.
    EndToEnd.awaitTrue(
        () -> sandbox.workflowStats().historyQueries() > historyBefore,
        "the sweep polls the async run");
    assertThat(get(started.getName()).getState()).isEqualTo(WorkflowRun.State.RUNNING);

    stopGateway();
    sandbox.clock().advance(Duration.ofSeconds(31)); // Coze finishes it while no gateway runs
    long historyAtRestart = sandbox.workflowStats().historyQueries();
    startGateway();

    WorkflowRun done = awaitState(started.getName(), WorkflowRun.State.SUCCEEDED);
    assertThat(done.getOutputStruct().getFieldsOrThrow("output").getStringValue())
        .isEqualTo("done");
    report(
        "restart: async run %s RUNNING (polled %d time(s)); gateway closed, sandbox clock +31 s;"
            + " new gateway on the same data dir polled %d time(s) -> %s",
        started.getName(),
        historyAtRestart - historyBefore,
        sandbox.workflowStats().historyQueries() - historyAtRestart,
        done.getState());
  }

  // ---- 10. listing 250 runs ----

  @Test
  @Order(12)
  void listingPagesThroughTwoHundredFiftyRunsWithFilters() throws Exception {
    // 240 successful runs across 2 workflows and 2 connections, then 10 failed ones.
    List<Future<WorkflowRun>> calls = new ArrayList<>();
    for (int i = 0; i < 240; i++) {
      String workflow = i % 2 == 0 ? LIST_A : LIST_B;
      String connection = (i / 2) % 2 == 0 ? ALICE : CAROL;
      int n = i;
      calls.add(
          pool.submit(
              () ->
                  workflows()
                      .runWorkflow(
                          run(connection, workflow).setParameters(struct("i", "" + n)).build())));
    }
    List<WorkflowRun> created = new ArrayList<>();
    for (Future<WorkflowRun> call : calls) {
      created.add(call.get(30, TimeUnit.SECONDS));
    }
    sandbox.forceWorkflowErrors(4101, 10);
    List<String> failedNames = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      catchStatus(() -> workflows().runWorkflow(run(ALICE, LIST_A).build()));
      failedNames.add(newest(LIST_A).getName());
    }
    assertThat(created).allMatch(r -> r.getState() == WorkflowRun.State.SUCCEEDED);
    assertThat(failedNames).doesNotHaveDuplicates();

    // Workflow A, 40 a page: 120 succeeded + 10 failed, the failed (newest) first.
    List<List<WorkflowRun>> pagesA =
        pages(ListWorkflowRunsRequest.newBuilder().setWorkflowId(LIST_A), 40);
    List<WorkflowRun> allA = pagesA.stream().flatMap(List::stream).toList();
    assertThat(pagesA.stream().map(List::size)).containsExactly(40, 40, 40, 10);
    assertThat(allA).allMatch(r -> r.getWorkflowId().equals(LIST_A));
    assertNoDuplicatesNewestFirst(allA);
    Set<String> expectedA = new HashSet<>(failedNames);
    created.stream()
        .filter(r -> r.getWorkflowId().equals(LIST_A))
        .forEach(r -> expectedA.add(r.getName()));
    assertThat(names(allA)).containsExactlyInAnyOrderElementsOf(expectedA);
    assertThat(names(allA.subList(0, 10))).containsExactlyInAnyOrderElementsOf(failedNames);

    // Workflow B for Carol.
    List<List<WorkflowRun>> pagesBCarol =
        pages(ListWorkflowRunsRequest.newBuilder().setWorkflowId(LIST_B).setConnection(CAROL), 40);
    List<WorkflowRun> allBCarol = pagesBCarol.stream().flatMap(List::stream).toList();
    List<String> expectedBCarol =
        created.stream()
            .filter(r -> r.getWorkflowId().equals(LIST_B) && r.getConnection().equals(CAROL))
            .map(WorkflowRun::getName)
            .toList();
    assertThat(names(allBCarol)).containsExactlyInAnyOrderElementsOf(expectedBCarol);
    assertNoDuplicatesNewestFirst(allBCarol);
    assertThat(pagesBCarol.stream().map(List::size)).containsExactly(40, 20);

    // Failed runs of workflow A, 4 a page.
    List<List<WorkflowRun>> pagesFailed =
        pages(
            ListWorkflowRunsRequest.newBuilder()
                .setWorkflowId(LIST_A)
                .setState(WorkflowRun.State.FAILED),
            4);
    List<WorkflowRun> allFailed = pagesFailed.stream().flatMap(List::stream).toList();
    assertThat(pagesFailed.stream().map(List::size)).containsExactly(4, 4, 2);
    assertThat(names(allFailed)).containsExactlyInAnyOrderElementsOf(failedNames);
    assertThat(allFailed)
        .allMatch(r -> r.getError().getCozeErrorCode().equals("4101"))
        .allMatch(r -> r.getState() == WorkflowRun.State.FAILED);

    // The whole tenant, 100 a page, holds all 250 once.
    List<WorkflowRun> everything =
        pages(ListWorkflowRunsRequest.newBuilder(), 100).stream().flatMap(List::stream).toList();
    assertNoDuplicatesNewestFirst(everything);
    assertThat(names(everything)).containsAll(expectedA).containsAll(names(created));

    // A page token only pages the listing it came from.
    String tokenA =
        workflows()
            .listWorkflowRuns(
                ListWorkflowRunsRequest.newBuilder()
                    .setParent(TENANT)
                    .setWorkflowId(LIST_A)
                    .setPageSize(40)
                    .build())
            .getNextPageToken();
    StatusRuntimeException foreign =
        catchStatus(
            () ->
                workflows()
                    .listWorkflowRuns(
                        ListWorkflowRunsRequest.newBuilder()
                            .setParent(TENANT)
                            .setWorkflowId(LIST_B)
                            .setPageToken(tokenA)
                            .build()));
    assertThat(foreign.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(badRequestFields(foreign)).containsExactly("page_token");
    report(
        "list: 250 runs (240 SUCCEEDED over 2 workflows x 2 connections, 10 FAILED); workflow A"
            + " by 40: pages %s = %d; B+carol by 40: pages %s = %d; A+FAILED by 4: pages %s = %d;"
            + " whole tenant by 100: %d runs; no duplicates or gaps, newest first; foreign token"
            + " -> %s",
        pagesA.stream().map(List::size).toList(),
        allA.size(),
        pagesBCarol.stream().map(List::size).toList(),
        allBCarol.size(),
        pagesFailed.stream().map(List::size).toList(),
        allFailed.size(),
        everything.size(),
        foreign.getStatus().getCode());
  }

  // ---- 11. Coze errors ----

  @Test
  @Order(13)
  void eachCozeErrorMapsToItsStatus() {
    record Case(String what, int code, Status.Code status, String reason) {}
    List<String> lines = new ArrayList<>();
    for (Case c :
        List.of(
            new Case("unknown workflow", 4200, Status.Code.NOT_FOUND, "WORKFLOW_NOT_FOUND"),
            new Case("forced", 4101, Status.Code.PERMISSION_DENIED, "WORKFLOW_PERMISSION_DENIED"),
            new Case(
                "async on a free plan",
                6003,
                Status.Code.FAILED_PRECONDITION,
                "WORKFLOW_ASYNC_NOT_ALLOWED"),
            new Case("forced", 4000, Status.Code.INVALID_ARGUMENT, "WORKFLOW_INVALID_PARAMETERS"),
            new Case("forced", 4009, Status.Code.UNAVAILABLE, "COZE_UNAVAILABLE"),
            new Case("forced", 5000, Status.Code.UNAVAILABLE, "COZE_UNAVAILABLE"))) {
      String workflow = c.code() == 4200 ? UNKNOWN : ECHO;
      RunWorkflowRequest.Builder request = run(ALICE, workflow);
      if (c.code() == 6003) {
        sandbox.setAsyncRunsAllowed(false);
        request.setAsync(true);
      } else if (c.code() != 4200) {
        sandbox.forceWorkflowErrors(c.code(), 1);
      }
      StatusRuntimeException e;
      try {
        e = catchStatus(() -> workflows().runWorkflow(request.build()));
      } finally {
        sandbox.setAsyncRunsAllowed(true);
      }
      ErrorInfo info = errorInfo(e);
      assertThat(e.getStatus().getCode()).as("%d", c.code()).isEqualTo(c.status());
      assertThat(info.getReason()).as("%d", c.code()).isEqualTo(c.reason());
      assertThat(info.getMetadataOrThrow("coze_error_code")).isEqualTo(Integer.toString(c.code()));
      assertThat(info.getMetadataOrThrow("coze_logid")).isNotEmpty();
      if (c.code() == 4000) {
        assertThat(badRequestFields(e)).containsExactly("parameters");
      }
      WorkflowRun recorded = newest(workflow);
      assertThat(recorded.getState()).isEqualTo(WorkflowRun.State.FAILED);
      assertThat(recorded.getError().getCozeErrorCode()).isEqualTo(Integer.toString(c.code()));
      assertThat(recorded.getError().getCozeLogid())
          .isEqualTo(info.getMetadataOrThrow("coze_logid"));
      lines.add(
          String.format(
              "%d (%s) -> %s %s coze_error_code=%s coze_logid=%s, run %s",
              c.code(),
              c.what(),
              e.getStatus().getCode(),
              info.getReason(),
              info.getMetadataOrThrow("coze_error_code"),
              info.getMetadataOrThrow("coze_logid"),
              recorded.getState()));
    }
    // An error envelope on the stream endpoint is a gRPC error too.
    sandbox.forceWorkflowErrors(4101, 1);
    StatusRuntimeException streamed =
        catchStatus(() -> collect(workflows().streamWorkflow(stream(ALICE, FIFTY).build())));
    assertThat(streamed.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(errorInfo(streamed).getMetadataOrThrow("coze_error_code")).isEqualTo("4101");
    lines.add(
        "4101 on stream_run (JSON envelope instead of SSE) -> "
            + streamed.getStatus().getCode()
            + " "
            + errorInfo(streamed).getReason());
    lines.forEach(line -> report("coze error: %s", line));
  }

  @Test
  @Order(14)
  void aRefusedTokenIsRefreshedOnceAndTheCallRetried() {
    String before = accessToken(ALICE);
    long redemptions = sandbox.stats().refreshRedemptions();
    long runs = sandbox.workflowStats().syncRuns();
    sandbox.forceWorkflowErrors(4100, 1);

    WorkflowRun run = workflows().runWorkflow(run(ALICE, ECHO).build());
    assertThat(run.getState()).isEqualTo(WorkflowRun.State.SUCCEEDED);
    assertThat(sandbox.stats().refreshRedemptions() - redemptions).isEqualTo(1);
    assertThat(sandbox.workflowStats().syncRuns() - runs).isEqualTo(1);
    String after = accessToken(ALICE);
    assertThat(after).isNotEqualTo(before);

    sandbox.forceWorkflowErrors(4100, 1);
    List<WorkflowEvent> streamed =
        collect(workflows().streamWorkflow(stream(ALICE, BURST).build()));
    assertThat(streamed).last().matches(WorkflowEvent::hasDone);
    assertThat(sandbox.stats().refreshRedemptions() - redemptions).isEqualTo(2);
    assertThat(accessToken(ALICE)).isNotEqualTo(after);
    report(
        "4100 once: RunWorkflow refreshed (1 redemption), retried -> %s; StreamWorkflow likewise"
            + " -> %d events, done last (%d redemptions in all); the token changed each time",
        run.getState(), streamed.size(), sandbox.stats().refreshRedemptions() - redemptions);
  }

  @Test
  @Order(15)
  void aTokenRefusedAfterARefreshNeedsReauthorization() {
    long redemptions = sandbox.stats().refreshRedemptions();
    sandbox.forceWorkflowErrors(4100, 2);

    StatusRuntimeException e = catchStatus(() -> workflows().runWorkflow(run(BOB, ECHO).build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    ErrorInfo info = errorInfo(e);
    assertThat(info.getReason()).isEqualTo("NEEDS_REAUTHORIZATION");
    assertThat(info.getMetadataOrThrow("coze_error_code")).isEqualTo("4100");
    assertThat(info.getMetadataOrThrow("coze_logid")).isNotEmpty();
    assertThat(sandbox.stats().refreshRedemptions() - redemptions).isEqualTo(1);
    Connection bob = auth.getConnection(GetConnectionRequest.newBuilder().setName(BOB).build());
    assertThat(bob.getState()).isEqualTo(Connection.State.NEEDS_REAUTHORIZATION);
    WorkflowRun recorded = newest(ECHO);
    assertThat(recorded.getConnection()).isEqualTo(BOB);
    assertThat(recorded.getState()).isEqualTo(WorkflowRun.State.FAILED);
    assertThat(recorded.getError().getReason()).isEqualTo("NEEDS_REAUTHORIZATION");
    report(
        "4100 twice: %d redemption, then %s %s coze_error_code=%s; connection %s; run %s",
        sandbox.stats().refreshRedemptions() - redemptions,
        e.getStatus().getCode(),
        info.getReason(),
        info.getMetadataOrThrow("coze_error_code"),
        bob.getState(),
        recorded.getState());
  }

  // ---- 12. 100 concurrent streams ----

  @Test
  @Order(16)
  void aHundredConcurrentStreamsLoseNothing() throws Exception {
    WorkflowStats before = sandbox.workflowStats();
    int disconnectsBefore = sandbox.streamDisconnects().size();
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<WorkflowEvent>>> streams = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < 100; i++) {
      String connection = i % 2 == 0 ? ALICE : CAROL;
      streams.add(
          pool.submit(
              () -> {
                go.await();
                return collect(workflows().streamWorkflow(stream(connection, BURST).build()));
              }));
    }
    go.countDown();
    Set<String> names = new LinkedHashSet<>();
    for (Future<List<WorkflowEvent>> stream : streams) {
      List<WorkflowEvent> events = stream.get(60, TimeUnit.SECONDS);
      assertThat(events).hasSize(12);
      for (int i = 0; i < 10; i++) {
        assertThat(events.get(i).getMessage().getContent()).isEqualTo("b" + i + " ");
      }
      assertThat(events.get(10).getMessage().getNodeTitle()).isEqualTo("End");
      assertThat(events.get(11).hasDone()).isTrue();
      assertThat(events.stream().mapToLong(WorkflowEvent::getId).toArray())
          .containsExactly(ids(12));
      names.add(events.get(0).getWorkflowRun());
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(names).hasSize(100);
    for (String name : names) {
      assertThat(get(name).getState()).isEqualTo(WorkflowRun.State.SUCCEEDED);
    }
    assertThat(sandbox.workflowStats().streamRuns() - before.streamRuns()).isEqualTo(100);
    assertThat(sandbox.streamDisconnects()).hasSize(disconnectsBefore);
    report(
        "100 concurrent streams: 100 x 12 events (10 messages in order, end, done), ids"
            + " contiguous, in %d ms; 100 runs SUCCEEDED; 100 Coze streams, 0 disconnects",
        millis);
  }

  // ---- 13. bad input ----

  @Test
  @Order(17)
  void badInputIsInvalidArgumentWithFieldViolations() {
    WorkflowStats before = sandbox.workflowStats();
    StatusRuntimeException badId =
        catchStatus(() -> workflows().runWorkflow(run(ALICE, "wf-42").build()));
    StatusRuntimeException both =
        catchStatus(
            () ->
                workflows()
                    .runWorkflow(
                        run(ALICE, ECHO).setBotId("7380000000000000001").setAppId("2").build()));
    Struct deep = Struct.getDefaultInstance();
    for (int i = 0; i < 32; i++) {
      deep =
          Struct.newBuilder()
              .putFields("n", Value.newBuilder().setStructValue(deep).build())
              .build();
    }
    Struct tooDeep = deep;
    StatusRuntimeException nested =
        catchStatus(
            () ->
                collect(
                    workflows()
                        .streamWorkflow(stream(ALICE, ECHO).setParameters(tooDeep).build())));
    StatusRuntimeException noAnswer =
        catchStatus(
            () ->
                collect(
                    workflows()
                        .resumeWorkflowRun(
                            ResumeWorkflowRunRequest.newBuilder()
                                .setName(TENANT + "/workflowRuns/x")
                                .build())));
    for (StatusRuntimeException e : List.of(badId, both, nested, noAnswer)) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(errorInfo(e).getReason()).isNotEmpty();
    }
    assertThat(badRequestFields(badId)).containsExactly("workflow_id");
    assertThat(badRequestFields(both)).containsExactlyInAnyOrder("bot_id", "app_id");
    assertThat(badRequestFields(nested)).containsExactly("parameters");
    assertThat(badRequestFields(noAnswer))
        .containsExactlyInAnyOrder("event_id", "resume_data", "interrupt_type");
    WorkflowStats after = sandbox.workflowStats();
    assertThat(after.runs()).isEqualTo(before.runs());
    assertThat(after.rejections()).isEqualTo(before.rejections());
    report(
        "bad input: workflow_id \"wf-42\" -> %s %s; bot_id+app_id -> %s; parameters 33 levels"
            + " deep -> %s; empty resume -> %s; Coze calls +%d",
        badId.getStatus().getCode(),
        badRequestFields(badId),
        badRequestFields(both),
        badRequestFields(nested),
        badRequestFields(noAnswer),
        after.runs() - before.runs() + after.rejections() - before.rejections());
  }

  // ---- 14. JWT service apps ----

  @Test
  @Order(18)
  void aWorkflowRunsAsAJwtAppSessionWithOneMintedToken() throws Exception {
    long mintsBefore = sandbox.jwtStats().mints();
    WorkflowRun run =
        workflows()
            .runWorkflow(
                RunWorkflowRequest.newBuilder()
                    .setParent(TENANT)
                    .setAppSession(
                        AppSession.newBuilder().setApp(JWT_APP).setSessionName("user-zoe"))
                    .setWorkflowId(ECHO)
                    .setParameters(
                        Struct.newBuilder()
                            .putFields("as", Value.newBuilder().setStringValue("robot").build()))
                    .build());
    assertThat(run.getState()).isEqualTo(WorkflowRun.State.SUCCEEDED);
    assertThat(run.getConnection()).isEmpty();
    assertThat(run.getApp()).isEqualTo(JWT_APP);
    assertThat(run.getSessionName()).isEqualTo("user-zoe");
    assertThat(run.getOutputStruct().getFieldsOrThrow("as").getStringValue()).isEqualTo("robot");

    // 50 concurrent callers for a new session: one mint, one token, cached afterwards.
    GetAccessTokenRequest crowd =
        GetAccessTokenRequest.newBuilder()
            .setAppSession(AppSession.newBuilder().setApp(JWT_APP).setSessionName("user-crowd"))
            .build();
    List<java.util.concurrent.Future<String>> calls = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      calls.add(pool.submit(() -> auth.getAccessToken(crowd).getAccessToken()));
    }
    Set<String> tokens = new HashSet<>();
    for (var call : calls) {
      tokens.add(call.get(30, TimeUnit.SECONDS));
    }
    String again = auth.getAccessToken(crowd).getAccessToken();
    long mints = sandbox.jwtStats().mints() - mintsBefore;

    assertThat(tokens).hasSize(1);
    assertThat(again).isEqualTo(tokens.iterator().next()).startsWith("czs_");
    assertThat(sandbox.isAccessTokenValid(again)).isTrue();
    assertThat(sandbox.jwtTokensForSession("user-crowd")).containsExactly(again);
    assertThat(sandbox.jwtTokensForSession("user-zoe")).hasSize(1).doesNotContain(again);
    assertThat(mints).as("one for zoe's run, one for the crowd").isEqualTo(2);
    assertThat(sandbox.jwtStats().jtiRejections()).isZero();
    accessTokens.add(again);
    report(
        "jwt: RunWorkflow as %s session user-zoe -> %s; 50 concurrent GetAccessToken for"
            + " user-crowd -> %d token(s), 1 more call -> the same; sandbox mints +%d, jti"
            + " rejections %d",
        JWT_APP, run.getState(), tokens.size(), mints, sandbox.jwtStats().jtiRejections());
  }

  @Test
  @Order(19)
  void aKeyIdCozeDoesNotKnowIsAClearErrorNamingTheRegionAndHost() {
    StatusRuntimeException refused =
        catchStatus(
            () ->
                auth.getAccessToken(
                    GetAccessTokenRequest.newBuilder()
                        .setAppSession(AppSession.newBuilder().setApp("apps/" + WRONG_KID_APP))
                        .build()));

    String host = sandbox.baseUrl().getAuthority();
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(errorInfo(refused).getReason()).isEqualTo("APP_MISCONFIGURED");
    assertThat(refused.getStatus().getDescription())
        .contains(host)
        .contains("not-a-registered-key-id")
        .contains("region");
    report(
        "jwt: wrong key id -> %s %s: \"%s\"",
        refused.getStatus().getCode(),
        errorInfo(refused).getReason(),
        refused.getStatus().getDescription());
  }

  // ---- 15. secrets ----

  @Test
  @Order(100)
  void noTokenOrSecretReachesTheLogsOrSpans() {
    for (String connection : List.of(ALICE, CAROL)) {
      accessToken(connection);
    }
    recordedSpans.addAll(spans.getFinishedSpanItems());
    List<String> secrets = new ArrayList<>(accessTokens);
    sandbox.refreshTokens().forEach(t -> secrets.add(t.refreshToken()));
    secrets.add(SandboxConfig.DEMO_WEB_CLIENT_SECRET);

    assertThat(recordedSpans)
        .anyMatch(s -> s.getName().equals("coze.gateway.v1.WorkflowService/RunWorkflow"))
        .anyMatch(s -> s.getName().equals("coze.gateway.v1.WorkflowService/StreamWorkflow"))
        .anyMatch(s -> s.getKind() == SpanKind.CLIENT);
    EndToEnd.assertNoSecrets(logs.list, recordedSpans, secrets);
    report(
        "secrets: %d log events and %d spans hold none of %d tokens/secrets (nor any czu_ token)",
        logs.list.size(), recordedSpans.size(), secrets.size());
  }

  // ---- helpers ----

  private static void report(String format, Object... args) {
    System.out.println("[wf-e2e] " + String.format(format, args));
  }

  private String accessToken(String connection) {
    String token =
        auth.getAccessToken(GetAccessTokenRequest.newBuilder().setConnection(connection).build())
            .getAccessToken();
    accessTokens.add(token);
    return token;
  }

  private static RunWorkflowRequest.Builder run(String connection, String workflowId) {
    return RunWorkflowRequest.newBuilder()
        .setParent(TENANT)
        .setConnection(connection)
        .setWorkflowId(workflowId);
  }

  private static StreamWorkflowRequest.Builder stream(String connection, String workflowId) {
    return StreamWorkflowRequest.newBuilder()
        .setParent(TENANT)
        .setConnection(connection)
        .setWorkflowId(workflowId);
  }

  private static ResumeWorkflowRunRequest resume(
      String name, WorkflowInterrupt interrupt, String answer) {
    return ResumeWorkflowRunRequest.newBuilder()
        .setName(name)
        .setEventId(interrupt.getEventId())
        .setInterruptType(interrupt.getType())
        .setResumeData(answer)
        .build();
  }

  private static Struct struct(String key, String value) {
    return Struct.newBuilder()
        .putFields(key, Value.newBuilder().setStringValue(value).build())
        .build();
  }

  private static List<WorkflowEvent> collect(Iterator<WorkflowEvent> events) {
    List<WorkflowEvent> all = new ArrayList<>();
    events.forEachRemaining(all::add);
    return all;
  }

  private static long[] ids(int n) {
    return java.util.stream.LongStream.range(0, n).toArray();
  }

  private WorkflowRun get(String name) {
    return workflows().getWorkflowRun(GetWorkflowRunRequest.newBuilder().setName(name).build());
  }

  /** The newest run of a workflow in the tenant. */
  private WorkflowRun newest(String workflowId) {
    return workflows()
        .listWorkflowRuns(
            ListWorkflowRunsRequest.newBuilder()
                .setParent(TENANT)
                .setWorkflowId(workflowId)
                .setPageSize(1)
                .build())
        .getWorkflowRuns(0);
  }

  private WorkflowRun awaitState(String name, WorkflowRun.State state) {
    WorkflowRun[] last = new WorkflowRun[1];
    EndToEnd.awaitTrue(
        () -> {
          last[0] = get(name);
          return last[0].getState() == state;
        },
        name + " reaches " + state);
    return last[0];
  }

  private StreamDisconnect awaitDisconnect(int before, String workflowId) {
    List<StreamDisconnect> seen = new CopyOnWriteArrayList<>();
    EndToEnd.awaitTrue(
        () -> {
          List<StreamDisconnect> all = sandbox.streamDisconnects();
          all.subList(before, all.size()).stream()
              .filter(d -> d.workflowId().equals(workflowId))
              .findFirst()
              .ifPresent(seen::add);
          return !seen.isEmpty();
        },
        "the sandbox records the disconnect of " + workflowId);
    return seen.get(0);
  }

  /** Every page of a listing (parent set here), in order. */
  private List<List<WorkflowRun>> pages(ListWorkflowRunsRequest.Builder filters, int pageSize) {
    List<List<WorkflowRun>> pages = new ArrayList<>();
    String token = "";
    do {
      ListWorkflowRunsResponse page =
          workflows()
              .listWorkflowRuns(
                  filters
                      .clone()
                      .setParent(TENANT)
                      .setPageSize(pageSize)
                      .setPageToken(token)
                      .build());
      pages.add(page.getWorkflowRunsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return pages;
  }

  private static List<String> names(List<WorkflowRun> runs) {
    return runs.stream().map(WorkflowRun::getName).toList();
  }

  private static void assertNoDuplicatesNewestFirst(List<WorkflowRun> runs) {
    assertThat(names(runs)).doesNotHaveDuplicates();
    for (int i = 1; i < runs.size(); i++) {
      var newer = runs.get(i - 1).getCreateTime();
      var older = runs.get(i).getCreateTime();
      assertThat(
              newer.getSeconds() > older.getSeconds()
                  || (newer.getSeconds() == older.getSeconds()
                      && newer.getNanos() >= older.getNanos()))
          .as("run %d is not older than run %d", i, i - 1)
          .isTrue();
    }
  }
}
