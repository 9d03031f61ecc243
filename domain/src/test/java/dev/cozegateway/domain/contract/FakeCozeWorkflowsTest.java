package dev.cozegateway.domain.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.CozeApiException;
import dev.cozegateway.domain.CozeRegion;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.CozeWorkflows;
import dev.cozegateway.domain.port.CozeWorkflows.Event;
import dev.cozegateway.domain.port.CozeWorkflows.EventStream;
import dev.cozegateway.domain.port.CozeWorkflows.RunHistory;
import dev.cozegateway.domain.port.CozeWorkflows.WorkflowCall;
import dev.cozegateway.domain.testing.FakeCozeWorkflows;
import dev.cozegateway.domain.testing.FakeCozeWorkflows.Behaviour;
import dev.cozegateway.domain.testing.FakeCozeWorkflows.Method;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/** The {@link CozeWorkflows} contract on the fake, plus the fake's own scripting hooks. */
class FakeCozeWorkflowsTest extends CozeWorkflowsContract {
  private static final String ECHO = "7000000000000000001";
  private static final String STREAM = "7000000000000000002";
  private static final String QUESTION_ID = "7000000000000000003";
  private static final String FAIL = "7000000000000000005";
  private static final String ENDLESS = "7000000000000000009";
  private static final Secret TOKEN = Secret.of("czu_fake-valid-token");

  private final FakeCozeWorkflows coze =
      new FakeCozeWorkflows()
          .register(ECHO, Behaviour.echoes())
          .register(STREAM, Behaviour.streams(STREAM_OUTPUT, STREAM_MESSAGES))
          .register(QUESTION_ID, Behaviour.asks(QUESTION, ANSWER))
          .register(FAIL, Behaviour.fails(FAIL_CODE, FAIL_MESSAGE))
          .register(
              ENDLESS,
              Behaviour.streams("{}", Collections.nCopies(600, "tick "), Duration.ofMillis(100)));

  FakeCozeWorkflowsTest() {
    coze.setTokenValidator(TOKEN.reveal()::equals);
  }

  @Override
  protected CozeWorkflows coze() {
    return coze;
  }

  @Override
  protected App app() {
    return new App(
        new AppId("web"),
        AppType.WEB,
        CozeRegion.COZE_COM,
        "12345678901234567890123456789012.app.coze",
        Secret.of("secret"),
        "env:S",
        URI.create("https://gw.example.com/oauth/callback"),
        Set.of());
  }

  @Override
  protected Secret accessToken() {
    return TOKEN;
  }

  @Override
  protected String echoWorkflow() {
    return ECHO;
  }

  @Override
  protected String streamWorkflow() {
    return STREAM;
  }

  @Override
  protected String questionWorkflow() {
    return QUESTION_ID;
  }

  @Override
  protected String failingWorkflow() {
    return FAIL;
  }

  @Override
  protected String endlessStreamWorkflow() {
    return ENDLESS;
  }

  @Override
  protected void forceErrors(int code, int times) {
    coze.failNext(code, times);
  }

  @Override
  protected void forceStreamError(int code, String message, int afterEvents) {
    coze.failNextStreamAfter(code, message, afterEvents);
  }

  @Override
  protected void setAsyncRunsAllowed(boolean allowed) {
    coze.setAsyncRunsAllowed(allowed);
  }

  @Override
  protected int streamsClosedByClient() {
    return coze.streamsClosedByClient();
  }

  // ---- the fake's own hooks ----

  private WorkflowCall echo() {
    return new WorkflowCall(ECHO, "{\"a\":1}", "", "");
  }

  @Test
  void callsAreCountedAndRecordedRefusedOnesIncluded() {
    coze.failNext(4100);
    cozeError(() -> coze.run(app(), TOKEN, echo()));
    coze.run(app(), TOKEN, echo());
    coze.stream(app(), TOKEN, echo()).close();

    assertThat(coze.calls(Method.RUN)).isEqualTo(2);
    assertThat(coze.calls(Method.STREAM)).isEqualTo(1);
    assertThat(coze.calls(Method.HISTORY)).isZero();
    assertThat(coze.totalCalls()).isEqualTo(3);
    assertThat(coze.lastCall(Method.RUN).call()).isEqualTo(echo());
    assertThat(coze.lastCall(Method.RUN).accessToken()).isEqualTo(TOKEN);
    assertThat(coze.lastCall(Method.RESUME)).isNull();
  }

  @Test
  void forcedUnavailabilityComesBeforeTheTokenCheck() {
    coze.failNextUnavailable(1);

    Assertions.assertThatThrownBy(() -> coze.run(app(), Secret.of("bad"), echo()))
        .isInstanceOf(GatewayException.Unavailable.class);
    assertThat(cozeError(() -> coze.run(app(), Secret.of("bad"), echo())).code())
        .isEqualTo(CozeApiException.AUTHENTICATION_INVALID);
  }

  @Test
  void anAsyncRunFinishesAfterTheConfiguredPolls() {
    coze.setAsyncPollsBeforeFinish(2);
    String executeId = coze.runAsync(app(), TOKEN, echo()).executeId();

    assertThat(coze.history(app(), TOKEN, ECHO, executeId).status())
        .isEqualTo(RunHistory.Status.RUNNING);
    assertThat(coze.history(app(), TOKEN, ECHO, executeId).status())
        .isEqualTo(RunHistory.Status.RUNNING);
    assertThat(coze.history(app(), TOKEN, ECHO, executeId).status())
        .isEqualTo(RunHistory.Status.SUCCESS);
  }

  @Test
  void aHeldAsyncRunFinishesWhenTheTestSays() {
    coze.holdAsyncRuns(true);
    String executeId = coze.runAsync(app(), TOKEN, echo()).executeId();
    for (int i = 0; i < 5; i++) {
      assertThat(coze.history(app(), TOKEN, ECHO, executeId).status())
          .isEqualTo(RunHistory.Status.RUNNING);
    }

    coze.finishAsyncRun(executeId);

    RunHistory done = coze.history(app(), TOKEN, ECHO, executeId);
    assertThat(done.status()).isEqualTo(RunHistory.Status.SUCCESS);
    assertThat(done.output()).isEqualTo("{\"a\":1}");
  }

  @Test
  void aHeldStreamWaitsUntilReleased() throws Exception {
    coze.holdStreamsAfter(1);
    EventStream stream = coze.stream(app(), TOKEN, new WorkflowCall(STREAM, "{}", "", ""));
    assertThat(stream.next()).isInstanceOf(Event.Message.class);
    CompletableFuture<Event> second = CompletableFuture.supplyAsync(stream::next);

    assertThat(coze.awaitHeldStreams(1, Duration.ofSeconds(5))).isTrue();
    assertThat(second).isNotDone();
    coze.releaseStreams();

    assertThat(second.get(5, TimeUnit.SECONDS)).isInstanceOf(Event.Message.class);
    assertThat(drain(stream)).last().isInstanceOf(Event.Done.class);
    stream.close();
    assertThat(coze.streamsClosedByClient()).isZero();
    assertThat(coze.unclosedStreams()).isZero();
  }

  @Test
  void aDroppedStreamThrowsUnavailable() {
    coze.dropNextStreamAfter(1);
    try (EventStream stream = coze.stream(app(), TOKEN, new WorkflowCall(STREAM, "{}", "", ""))) {
      assertThat(stream.next()).isNotNull();

      Assertions.assertThatThrownBy(stream::next).isInstanceOf(GatewayException.Unavailable.class);
    }
  }

  @Test
  void anAnswerThatAnyTextSatisfiesNeedsOneResume() {
    coze.register("7000000000000000004", Behaviour.asks("Which city?"));
    CozeWorkflows.RunResult asked =
        coze.run(app(), TOKEN, new WorkflowCall("7000000000000000004", "{}", "", ""));

    CozeWorkflows.RunResult done =
        coze.resume(
            app(),
            TOKEN,
            new CozeWorkflows.Resume(
                "7000000000000000004", asked.interrupt().eventId(), "Lyon", 2));

    assertThat(done.output()).isEqualTo("{\"output\":\"Lyon\"}");
    assertThat(coze.resumesOf(asked.executeId())).isEqualTo(1);
  }
}
