package dev.cozegateway.domain.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.CozeApiException;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.CozeWorkflows;
import dev.cozegateway.domain.port.CozeWorkflows.Event;
import dev.cozegateway.domain.port.CozeWorkflows.EventStream;
import dev.cozegateway.domain.port.CozeWorkflows.Resume;
import dev.cozegateway.domain.port.CozeWorkflows.RunHistory;
import dev.cozegateway.domain.port.CozeWorkflows.RunResult;
import dev.cozegateway.domain.port.CozeWorkflows.WorkflowCall;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * What every {@link CozeWorkflows} guarantees, against a Coze that serves five scripted workflows
 * (the Coze sandbox's kinds): runs in each mode, interrupts and resumes, Coze's business errors as
 * {@link CozeApiException} with a log id, stream parsing and a {@code close()} that Coze notices.
 * Extend it once per implementation.
 */
public abstract class CozeWorkflowsContract {
  /** What {@link #streamWorkflow()} streams, in order, before its end node's message. */
  protected static final List<String> STREAM_MESSAGES = List.of("Why did ", "the ruler ", "go?");

  /** The end node's output of {@link #streamWorkflow()}: the messages joined. */
  protected static final String STREAM_OUTPUT = "{\"output\":\"Why did the ruler go?\"}";

  /** What {@link #questionWorkflow()} asks; it accepts only {@link #ANSWER}. */
  protected static final String QUESTION = "Capital of France?";

  protected static final String ANSWER = "Paris";

  /** The code {@link #failingWorkflow()} fails with. */
  protected static final int FAIL_CODE = 4013;

  protected static final String FAIL_MESSAGE = "Model service error";

  private static final String PARAMETERS = "{\"city\":\"Paris\",\"days\":2}";
  private static final Secret WRONG_TOKEN = Secret.of("czu_contract-wrong-token-0123456789abcdef");
  private static final Duration PROMPTLY = Duration.ofSeconds(5);

  /** The implementation under test, talking to a Coze that knows the workflows below. */
  protected abstract CozeWorkflows coze();

  /** The app whose region the Coze under test serves. */
  protected abstract App app();

  /** A valid access token at the Coze under test. */
  protected abstract Secret accessToken();

  /** Finishes at once with its {@code parameters}, serialized compactly, as the output. */
  protected abstract String echoWorkflow();

  /** Streams {@link #STREAM_MESSAGES}, then {@link #STREAM_OUTPUT} with usage, then Done. */
  protected abstract String streamWorkflow();

  /** Asks {@link #QUESTION} (type 2) and accepts {@link #ANSWER}, finishing with it as output. */
  protected abstract String questionWorkflow();

  /** Fails with {@link #FAIL_CODE}. */
  protected abstract String failingWorkflow();

  /** Streams a message at least every 200 ms for at least a minute. */
  protected abstract String endlessStreamWorkflow();

  /** The next {@code times} workflow calls fail with {@code code}. */
  protected abstract void forceErrors(int code, int times);

  /** The next stream sends an {@code Error} event after {@code afterEvents} events. */
  protected abstract void forceStreamError(int code, String message, int afterEvents);

  /** Allows async runs, or answers them with 6003. */
  protected abstract void setAsyncRunsAllowed(boolean allowed);

  /** How many streams the Coze under test saw the client leave before their end. */
  protected abstract int streamsClosedByClient();

  private WorkflowCall call(String workflowId) {
    return new WorkflowCall(workflowId, PARAMETERS, "", "");
  }

  // ---- sync runs ----

  @Test
  void aRunReturnsTheOutputWithUsageAndALogId() {
    RunResult result = coze().run(app(), accessToken(), call(echoWorkflow()));

    assertThat(result.output()).isEqualTo(PARAMETERS);
    assertThat(result.interrupt()).isNull();
    assertThat(result.usage()).isNotNull();
    assertThat(result.logId()).isNotBlank();
    assertThat(result.debugUrl()).isNotNull();
  }

  @Test
  void noParametersAreAnEmptyObject() {
    RunResult result =
        coze().run(app(), accessToken(), new WorkflowCall(echoWorkflow(), "{}", null, null));

    assertThat(result.output()).isEqualTo("{}");
  }

  @Test
  void aFailingWorkflowThrowsItsCodeWithALogId() {
    CozeApiException e = cozeError(() -> coze().run(app(), accessToken(), call(failingWorkflow())));

    assertThat(e.code()).isEqualTo(FAIL_CODE);
    assertThat(e.logId()).isNotBlank();
  }

  @Test
  void anUnknownWorkflowIs4200() {
    assertThat(
            cozeError(() -> coze().run(app(), accessToken(), call("7999999999999999999"))).code())
        .isEqualTo(4200);
  }

  @Test
  void aBotIdWithAnAppIdIs4000() {
    WorkflowCall both = new WorkflowCall(echoWorkflow(), PARAMETERS, "7400000000000000001", "74");

    assertThat(cozeError(() -> coze().run(app(), accessToken(), both)).code()).isEqualTo(4000);
  }

  @Test
  void aWrongTokenIs4100AndNoExceptionShowsIt() {
    List<Runnable> calls =
        List.of(
            () -> coze().run(app(), WRONG_TOKEN, call(echoWorkflow())),
            () -> coze().runAsync(app(), WRONG_TOKEN, call(echoWorkflow())),
            () -> coze().history(app(), WRONG_TOKEN, echoWorkflow(), "7500000000000000001"),
            () -> coze().stream(app(), WRONG_TOKEN, call(streamWorkflow())),
            () ->
                coze()
                    .resumeStream(
                        app(), WRONG_TOKEN, new Resume(questionWorkflow(), "1/2", "x", 2)),
            () -> coze().resume(app(), WRONG_TOKEN, new Resume(questionWorkflow(), "1/2", "x", 2)));

    for (Runnable call : calls) {
      CozeApiException e = cozeError(call);
      assertThat(e.code()).isEqualTo(CozeApiException.AUTHENTICATION_INVALID);
      assertThat(e.isTokenInvalid()).isTrue();
      assertThat(e.getMessage() + e).doesNotContain(WRONG_TOKEN.reveal());
    }
  }

  @Test
  void aForcedErrorFailsOnlyTheCallsItWasForcedOn() {
    forceErrors(4100, 1);

    assertThat(cozeError(() -> coze().run(app(), accessToken(), call(echoWorkflow()))).code())
        .isEqualTo(4100);
    assertThat(coze().run(app(), accessToken(), call(echoWorkflow())).output())
        .isEqualTo(PARAMETERS);
  }

  // ---- interrupts and non-stream resumes ----

  @Test
  void aQuestionInterruptsAndTheRightAnswerFinishesTheRun() {
    RunResult asked = coze().run(app(), accessToken(), call(questionWorkflow()));

    assertThat(asked.interrupt()).isNotNull();
    assertThat(asked.interrupt().type()).isEqualTo(2);
    assertThat(asked.interrupt().eventId()).isNotBlank();
    assertThat(asked.interrupt().data()).contains(QUESTION);
    assertThat(asked.output()).isEmpty();

    RunResult again =
        coze().run(app(), accessToken(), call(questionWorkflow())); // another run, independent
    assertThat(again.interrupt().eventId()).isNotEqualTo(asked.interrupt().eventId());

    RunResult answered =
        coze().resume(app(), accessToken(), resume(questionWorkflow(), asked, ANSWER));
    assertThat(answered.interrupt()).isNull();
    assertThat(answered.output()).isEqualTo("{\"output\":\"Paris\"}");
    assertThat(answered.logId()).isNotBlank();
  }

  @Test
  void aWrongAnswerAsksAgainAndTheThirdFailsTheRun() {
    RunResult asked = coze().run(app(), accessToken(), call(questionWorkflow()));

    RunResult second =
        coze().resume(app(), accessToken(), resume(questionWorkflow(), asked, "Lyon"));
    assertThat(second.interrupt()).isNotNull();
    assertThat(second.interrupt().eventId()).isNotEqualTo(asked.interrupt().eventId());
    RunResult third =
        coze().resume(app(), accessToken(), resume(questionWorkflow(), second, "Nice"));
    assertThat(third.interrupt()).isNotNull();

    CozeApiException failed =
        cozeError(
            () -> coze().resume(app(), accessToken(), resume(questionWorkflow(), third, "Metz")));
    assertThat(failed.code()).isEqualTo(4000);
  }

  @Test
  void resumingAFinishedRunIs4315() {
    RunResult asked = coze().run(app(), accessToken(), call(questionWorkflow()));
    coze().resume(app(), accessToken(), resume(questionWorkflow(), asked, ANSWER));

    assertThat(
            cozeError(
                    () ->
                        coze()
                            .resume(
                                app(), accessToken(), resume(questionWorkflow(), asked, ANSWER)))
                .code())
        .isEqualTo(4315);
  }

  // ---- async runs ----

  @Test
  void anAsyncRunIsAcceptedAndItsHistoryShowsTheOutcome() {
    CozeWorkflows.AsyncStart start = coze().runAsync(app(), accessToken(), call(echoWorkflow()));

    assertThat(start.executeId()).isNotBlank();
    assertThat(start.logId()).isNotBlank();
    RunHistory history = awaitOutcome(echoWorkflow(), start.executeId());
    assertThat(history.status()).isEqualTo(RunHistory.Status.SUCCESS);
    assertThat(history.output()).contains("Paris").doesNotContain("\"Output\"");
    assertThat(history.errorCode()).isEmpty();
    assertThat(history.usage()).isNotNull();
    assertThat(history.logId()).isNotBlank();
  }

  @Test
  void aFailedAsyncRunShowsItsCodeAsText() {
    CozeWorkflows.AsyncStart start = coze().runAsync(app(), accessToken(), call(failingWorkflow()));

    RunHistory history = awaitOutcome(failingWorkflow(), start.executeId());
    assertThat(history.status()).isEqualTo(RunHistory.Status.FAIL);
    assertThat(history.errorCode()).isEqualTo(String.valueOf(FAIL_CODE));
    assertThat(history.errorMessage()).isEqualTo(FAIL_MESSAGE);
  }

  @Test
  void anInterruptedAsyncRunIsRunningWithItsQuestionUntilResumed() {
    CozeWorkflows.AsyncStart start =
        coze().runAsync(app(), accessToken(), call(questionWorkflow()));

    RunHistory waiting = await(questionWorkflow(), start.executeId(), h -> h.interrupt() != null);
    assertThat(waiting.status()).isEqualTo(RunHistory.Status.RUNNING);
    assertThat(waiting.interrupt().type()).isEqualTo(2);

    coze()
        .resume(
            app(),
            accessToken(),
            new Resume(questionWorkflow(), waiting.interrupt().eventId(), ANSWER, 2));
    RunHistory done = awaitOutcome(questionWorkflow(), start.executeId());
    assertThat(done.status()).isEqualTo(RunHistory.Status.SUCCESS);
    assertThat(done.output()).contains("Paris");
  }

  @Test
  void theHistoryOfAnUnknownRunIs4314() {
    assertThat(
            cozeError(
                    () ->
                        coze().history(app(), accessToken(), echoWorkflow(), "7599999999999999999"))
                .code())
        .isEqualTo(4314);
  }

  @Test
  void asyncRunsOnAFreePlanAre6003() {
    setAsyncRunsAllowed(false);

    assertThat(cozeError(() -> coze().runAsync(app(), accessToken(), call(echoWorkflow()))).code())
        .isEqualTo(6003);
  }

  // ---- streams ----

  @Test
  void aStreamSendsTheMessagesThenTheOutputWithUsageThenDone() {
    List<Event> events;
    String logId;
    try (EventStream stream = coze().stream(app(), accessToken(), call(streamWorkflow()))) {
      events = drain(stream);
      logId = stream.logId();
      assertThat(stream.next()).isNull();
    }

    assertThat(logId).isNotBlank();
    assertThat(events).extracting(Event::id).containsExactly(ids(events.size()));
    List<Event.Message> messages = messages(events);
    assertThat(messages)
        .extracting(Event.Message::content)
        .containsExactly(
            STREAM_MESSAGES.get(0), STREAM_MESSAGES.get(1), STREAM_MESSAGES.get(2), STREAM_OUTPUT);
    assertThat(messages.get(0).usage()).isNull();
    assertThat(messages.get(0).nodeIsFinish()).isFalse();
    Event.Message end = messages.get(messages.size() - 1);
    assertThat(end.nodeIsFinish()).isTrue();
    assertThat(end.usage()).isNotNull();
    assertThat(events.get(events.size() - 1)).isInstanceOf(Event.Done.class);
  }

  @Test
  void aStreamedQuestionInterruptsAndAStreamResumeFinishesWithIdsFromZero() {
    List<Event> asked;
    try (EventStream stream = coze().stream(app(), accessToken(), call(questionWorkflow()))) {
      asked = drain(stream);
    }
    assertThat(messages(asked)).extracting(Event.Message::content).containsExactly(QUESTION);
    Event.Interrupt interrupt =
        asked.stream()
            .filter(Event.Interrupt.class::isInstance)
            .map(Event.Interrupt.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(interrupt.interrupt().type()).isEqualTo(2);
    assertThat(asked.get(asked.size() - 1)).isInstanceOf(Event.Done.class);

    List<Event> answered;
    try (EventStream stream =
        coze()
            .resumeStream(
                app(),
                accessToken(),
                new Resume(questionWorkflow(), interrupt.interrupt().eventId(), ANSWER, 2))) {
      answered = drain(stream);
    }
    assertThat(answered.get(0).id()).isZero();
    assertThat(messages(answered))
        .extracting(Event.Message::content)
        .containsExactly("{\"output\":\"Paris\"}");
    assertThat(answered.get(answered.size() - 1)).isInstanceOf(Event.Done.class);
  }

  @Test
  void aFailingWorkflowStreamsAnErrorAndEnds() {
    try (EventStream stream = coze().stream(app(), accessToken(), call(failingWorkflow()))) {
      Event first = stream.next();

      assertThat(first).isInstanceOf(Event.Error.class);
      assertThat(((Event.Error) first).code()).isEqualTo(FAIL_CODE);
      assertThat(((Event.Error) first).message()).isEqualTo(FAIL_MESSAGE);
      assertThat(first.id()).isZero();
      assertThat(stream.next()).isNull();
    }
  }

  @Test
  void anErrorInTheMiddleOfAStreamEndsIt() {
    forceStreamError(5000, "Internal server error", 1);

    List<Event> events;
    try (EventStream stream = coze().stream(app(), accessToken(), call(streamWorkflow()))) {
      events = drain(stream);
    }

    assertThat(events).hasSize(2);
    assertThat(events.get(0)).isInstanceOf(Event.Message.class);
    assertThat(events.get(1))
        .isInstanceOfSatisfying(Event.Error.class, e -> assertThat(e.code()).isEqualTo(5000));
  }

  @Test
  void aStreamRefusedBeforeItStartsThrowsFromStream() {
    assertThat(
            cozeError(() -> coze().stream(app(), accessToken(), call("7999999999999999999")))
                .code())
        .isEqualTo(4200);
    forceErrors(4009, 1);
    CozeApiException forced =
        cozeError(() -> coze().stream(app(), accessToken(), call(streamWorkflow())));
    assertThat(forced.code()).isEqualTo(4009);
    assertThat(forced.logId()).isNotBlank();
  }

  @Test
  void resumingAnUnknownInterruptIs4000() {
    assertThat(
            cozeError(
                    () ->
                        coze()
                            .resumeStream(
                                app(),
                                accessToken(),
                                new Resume(questionWorkflow(), "1/2", ANSWER, 2)))
                .code())
        .isEqualTo(4000);
  }

  @Test
  void closeFromAnotherThreadEndsABlockedNextAndCozeSeesTheClientLeave() throws Exception {
    EventStream stream = coze().stream(app(), accessToken(), call(endlessStreamWorkflow()));
    CountDownLatch firstEvent = new CountDownLatch(1);
    CompletableFuture<Object> reader =
        CompletableFuture.supplyAsync(
            () -> {
              assertThat(stream.next()).isNotNull();
              firstEvent.countDown();
              try {
                Event event;
                do {
                  event = stream.next();
                } while (event != null);
                return "ended";
              } catch (GatewayException.Unavailable e) {
                return e;
              }
            });
    assertThat(firstEvent.await(PROMPTLY.toSeconds(), TimeUnit.SECONDS)).isTrue();

    stream.close();

    assertThat(reader.get(PROMPTLY.toSeconds(), TimeUnit.SECONDS))
        .satisfiesAnyOf(
            r -> assertThat(r).isEqualTo("ended"),
            r -> assertThat(r).isInstanceOf(GatewayException.Unavailable.class));
    stream.close(); // idempotent
    assertThat(stream.next()).isNull();
    assertThat(eventually(() -> streamsClosedByClient() >= 1)).isTrue();
  }

  // ---- helpers ----

  private static Resume resume(String workflowId, RunResult interrupted, String answer) {
    return new Resume(
        workflowId, interrupted.interrupt().eventId(), answer, interrupted.interrupt().type());
  }

  private RunHistory awaitOutcome(String workflowId, String executeId) {
    return await(workflowId, executeId, h -> h.status() != RunHistory.Status.RUNNING);
  }

  private RunHistory await(
      String workflowId, String executeId, java.util.function.Predicate<RunHistory> done) {
    RunHistory[] last = new RunHistory[1];
    boolean reached =
        eventually(
            () -> {
              last[0] = coze().history(app(), accessToken(), workflowId, executeId);
              return done.test(last[0]);
            });
    assertThat(reached).as("run %s reached the state; last seen %s", executeId, last[0]).isTrue();
    return last[0];
  }

  /** Polls {@code condition} for up to 5 s. */
  protected static boolean eventually(BooleanSupplier condition) {
    long deadline = System.nanoTime() + PROMPTLY.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return condition.getAsBoolean();
  }

  /** Every event up to the end, with a bound in case the stream never ends. */
  protected static List<Event> drain(EventStream stream) {
    List<Event> events = new ArrayList<>();
    for (Event event = stream.next(); event != null; event = stream.next()) {
      events.add(event);
      assertThat(events).as("a stream that does not end").hasSizeLessThan(1000);
    }
    return events;
  }

  private static List<Event.Message> messages(List<Event> events) {
    return events.stream()
        .filter(Event.Message.class::isInstance)
        .map(Event.Message.class::cast)
        .toList();
  }

  private static Long[] ids(int count) {
    Long[] ids = new Long[count];
    for (int i = 0; i < count; i++) {
      ids[i] = (long) i;
    }
    return ids;
  }

  protected static CozeApiException cozeError(Runnable call) {
    Throwable thrown = catchThrowable(call::run);
    assertThat(thrown).isInstanceOf(CozeApiException.class);
    return (CozeApiException) thrown;
  }
}
