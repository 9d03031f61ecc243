package dev.cozegateway.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunError;
import dev.cozegateway.domain.WorkflowRunMode;
import dev.cozegateway.domain.WorkflowRunName;
import dev.cozegateway.domain.WorkflowRunQuery;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.port.CozeWorkflows.Event;
import dev.cozegateway.domain.testing.FakeCozeWorkflows.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Async runs and the sweep, streams and their cancellation, listing, and retention. */
class WorkflowRunLifecycleTest {
  private final WorkflowFixture fx = new WorkflowFixture();
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    fx.coze.releaseStreams();
    pool.shutdownNow();
  }

  private WorkflowRun startAsync(String workflowId) {
    return fx.useCases
        .runWorkflow()
        .execute(new RunWorkflow.Command(fx.request(workflowId, "{\"q\":1}", ""), true));
  }

  private WorkflowRun stored(WorkflowRunName name) {
    return fx.runs.find(name).orElseThrow();
  }

  @Test
  void anAsyncRunReturnsRunningAndTheSweepPollsItWithBackoffUntilItSucceeds() {
    fx.coze.setAsyncPollsBeforeFinish(2);
    WorkflowRun run = startAsync(WorkflowFixture.ECHO);
    assertThat(run.state()).isEqualTo(WorkflowRunState.RUNNING);
    assertThat(run.mode()).isEqualTo(WorkflowRunMode.ASYNC);
    assertThat(run.executeId()).isNotEmpty();
    assertThat(run.checkTime()).isEqualTo(fx.auth.clock.instant().plusSeconds(1));

    WorkflowRunSweep sweep = fx.useCases.sweep();
    assertThat(sweep.execute().polled()).as("not due yet").isZero();
    List<Duration> pauses = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      fx.auth.clock.advance(
          Duration.between(fx.auth.clock.instant(), stored(run.name()).checkTime()));
      assertThat(sweep.execute().polled()).isEqualTo(1);
      WorkflowRun now = stored(run.name());
      if (now.checkTime() != null) {
        pauses.add(Duration.between(fx.auth.clock.instant(), now.checkTime()));
      }
    }

    WorkflowRun done = stored(run.name());
    assertThat(done.state()).isEqualTo(WorkflowRunState.SUCCEEDED);
    assertThat(done.output()).as("the echo of its parameters, unwrapped").isEqualTo("{\"q\":1}");
    assertThat(done.checkTime()).isNull();
    assertThat(pauses).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(4));
    assertThat(fx.coze.calls(Method.HISTORY)).isEqualTo(3);
  }

  @Test
  void twoReplicasSweepingTogetherPollEachDueRunOnce() throws Exception {
    fx.coze.holdAsyncRuns(true);
    List<WorkflowRun> started = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      started.add(startAsync(WorkflowFixture.ECHO));
    }
    fx.auth.clock.advance(Duration.ofSeconds(1));
    WorkflowRunSweep a = fx.useCases.sweep();
    WorkflowRunSweep b = fx.replica().sweep();

    Future<WorkflowRunSweep.Report> onA = pool.submit(a::execute);
    Future<WorkflowRunSweep.Report> onB = pool.submit(b::execute);
    int polled = onA.get(10, TimeUnit.SECONDS).polled() + onB.get(10, TimeUnit.SECONDS).polled();

    assertThat(polled).isEqualTo(20);
    assertThat(fx.coze.calls(Method.HISTORY)).isEqualTo(20);
    for (WorkflowRun run : started) {
      assertThat(stored(run.name()).pollCount()).isEqualTo(1);
    }
  }

  @Test
  void anAsyncRunThatFailsAtCozeIsRecordedFailedWithCozesCode() {
    WorkflowRun run = startAsync(WorkflowFixture.FAILING);
    fx.auth.clock.advance(Duration.ofSeconds(1));

    fx.useCases.sweep().execute();

    WorkflowRun failed = stored(run.name());
    assertThat(failed.state()).isEqualTo(WorkflowRunState.FAILED);
    assertThat(failed.error().cozeCode()).isEqualTo("4013");
  }

  @Test
  void aCancelledAsyncRunIsPolledNoMore() {
    fx.coze.holdAsyncRuns(true);
    WorkflowRun run = startAsync(WorkflowFixture.ECHO);

    WorkflowRun cancelled = fx.useCases.cancelWorkflowRun().execute(run.name());
    fx.auth.clock.advance(Duration.ofMinutes(5));
    fx.useCases.sweep().execute();

    assertThat(cancelled.state()).isEqualTo(WorkflowRunState.CANCELLED);
    assertThat(cancelled.error().message()).contains("may still have finished at Coze");
    assertThat(fx.coze.calls(Method.HISTORY)).isZero();
    assertThatThrownBy(() -> fx.useCases.cancelWorkflowRun().execute(run.name()))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.WORKFLOW_RUN_STATE_INVALID));
  }

  @Test
  void asyncRunsRefusedByThePlanFailWithFailedPrecondition() {
    fx.coze.setAsyncRunsAllowed(false);

    assertThatThrownBy(() -> startAsync(WorkflowFixture.ECHO))
        .isInstanceOfSatisfying(
            GatewayException.FailedPrecondition.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.WORKFLOW_ASYNC_NOT_ALLOWED));
  }

  @Test
  void runsLeftUnfinishedByADeadProcessAreFailedOnceTheirDeadlinePassed() {
    // A sync run the dead process had sent to Coze, and one it had only recorded.
    WorkflowRun running = leftBehind(WorkflowRunState.RUNNING, "run-left-running");
    WorkflowRun pending = leftBehind(WorkflowRunState.PENDING, "run-left-pending");

    assertThat(fx.useCases.sweep().execute().abandoned()).as("before the deadline").isZero();
    fx.auth.clock.advance(fx.settings.syncTimeout());
    WorkflowRunSweep.Report report = fx.useCases.sweep().execute();

    assertThat(report.abandoned()).isEqualTo(2);
    assertThat(stored(running.name()).state()).isEqualTo(WorkflowRunState.FAILED);
    assertThat(stored(running.name()).error().reason()).isEqualTo(WorkflowRunSweep.RUN_ABANDONED);
    assertThat(stored(pending.name()).error().message()).contains("before sending it to Coze");
    assertThat(fx.coze.totalCalls()).isZero();
  }

  private WorkflowRun leftBehind(WorkflowRunState state, String id) {
    WorkflowRun run =
        WorkflowRun.builder()
            .name(new WorkflowRunName(AuthFixture.TENANT, id))
            .connection(fx.alice)
            .workflowId(WorkflowFixture.ECHO)
            .mode(WorkflowRunMode.SYNC)
            .state(state)
            .createTime(fx.auth.clock.instant())
            .updateTime(fx.auth.clock.instant())
            .checkTime(fx.auth.clock.instant().plus(fx.settings.syncTimeout()))
            .build();
    return fx.runs.create(run);
  }

  @Test
  void finishedRunsAreDeletedAfterTheRetentionPeriod() {
    WorkflowRun old = fx.run(WorkflowFixture.ECHO, "{}");
    fx.auth.clock.advance(fx.settings.retention().minusSeconds(1));
    WorkflowRun recent = fx.run(WorkflowFixture.ECHO, "{}");
    fx.auth.clock.advance(Duration.ofSeconds(2));

    assertThat(fx.useCases.sweep().execute().deleted()).isEqualTo(1);

    assertThat(fx.runs.find(old.name())).isEmpty();
    assertThat(fx.runs.find(recent.name())).isPresent();
  }

  @Test
  void aStreamRelaysEachMessageInOrderAndRecordsTheOutcome() {
    WorkflowFixture.Sink sink = new WorkflowFixture.Sink();

    WorkflowRun run =
        fx.useCases
            .streamWorkflow()
            .execute(
                new StreamWorkflow.Command(fx.request(WorkflowFixture.STREAM, "{}", "")),
                sink,
                new RunHandle());

    assertThat(sink.started).isNotNull();
    assertThat(sink.started.name()).isEqualTo(run.name());
    assertThat(sink.contents()).containsExactly("Why ", "not?", "{\"output\":\"Why not?\"}");
    assertThat(sink.events().get(sink.events().size() - 1)).isInstanceOf(Event.Done.class);
    assertThat(run.state()).isEqualTo(WorkflowRunState.SUCCEEDED);
    assertThat(run.mode()).isEqualTo(WorkflowRunMode.STREAM);
    assertThat(run.output()).isEqualTo("{\"output\":\"Why not?\"}");
    assertThat(run.usage().tokenCount()).isPositive();
    assertThat(run.debugUrl()).isNotEmpty();
    assertThat(fx.coze.unclosedStreams()).isZero();
  }

  @Test
  void anErrorInTheStreamIsRelayedAndFailsTheRun() {
    fx.coze.failNextStreamAfter(4000, "Request parameter error", 1);
    WorkflowFixture.Sink sink = new WorkflowFixture.Sink();

    WorkflowRun run =
        fx.useCases
            .streamWorkflow()
            .execute(
                new StreamWorkflow.Command(fx.request(WorkflowFixture.STREAM, "{}", "")),
                sink,
                new RunHandle());

    assertThat(run.state()).isEqualTo(WorkflowRunState.FAILED);
    assertThat(run.error().cozeCode()).isEqualTo("4000");
    assertThat(sink.events().get(sink.events().size() - 1))
        .isInstanceOfSatisfying(
            WorkflowRunError.class, e -> assertThat(e.cozeCode()).isEqualTo("4000"));
  }

  @Test
  void anErrorBeforeTheStreamStartsIsThrownAndFailsTheRun() {
    fx.coze.failNext(4200);

    assertThatThrownBy(
            () ->
                fx.useCases
                    .streamWorkflow()
                    .execute(
                        new StreamWorkflow.Command(fx.request(WorkflowFixture.STREAM, "{}", "")),
                        new WorkflowFixture.Sink(),
                        new RunHandle()))
        .isInstanceOfSatisfying(
            GatewayException.NotFound.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.WORKFLOW_NOT_FOUND));
    assertThat(fx.runs.list(AuthFixture.TENANT, WorkflowRunQuery.all(5)).get(0).state())
        .isEqualTo(WorkflowRunState.FAILED);
  }

  @Test
  void cancellingTheCallClosesTheStreamToCozeAndCancelsTheRun() throws Exception {
    fx.coze.holdStreamsAfter(1);
    WorkflowFixture.Sink sink = new WorkflowFixture.Sink();
    RunHandle handle = new RunHandle();
    Future<WorkflowRun> relay =
        pool.submit(
            () ->
                fx.useCases
                    .streamWorkflow()
                    .execute(
                        new StreamWorkflow.Command(fx.request(WorkflowFixture.STREAM, "{}", "")),
                        sink,
                        handle));
    assertThat(fx.coze.awaitHeldStreams(1, Duration.ofSeconds(5))).isTrue();

    handle.cancel();

    WorkflowRun run = relay.get(5, TimeUnit.SECONDS);
    assertThat(run.state()).isEqualTo(WorkflowRunState.CANCELLED);
    assertThat(fx.coze.streamsClosedByClient()).isEqualTo(1);
    assertThat(sink.contents()).containsExactly("Why ");
  }

  @Test
  void cancelWorkflowRunStopsARelayInThisProcess() throws Exception {
    fx.coze.holdStreamsAfter(1);
    WorkflowFixture.Sink sink = new WorkflowFixture.Sink();
    Future<WorkflowRun> relay =
        pool.submit(
            () ->
                fx.useCases
                    .streamWorkflow()
                    .execute(
                        new StreamWorkflow.Command(fx.request(WorkflowFixture.STREAM, "{}", "")),
                        sink,
                        new RunHandle()));
    assertThat(fx.coze.awaitHeldStreams(1, Duration.ofSeconds(5))).isTrue();

    WorkflowRun cancelled = fx.useCases.cancelWorkflowRun().execute(sink.started.name());

    assertThat(cancelled.state()).isEqualTo(WorkflowRunState.CANCELLED);
    assertThat(relay.get(5, TimeUnit.SECONDS).state()).isEqualTo(WorkflowRunState.CANCELLED);
    assertThat(fx.coze.awaitStreamsClosedByClient(1, Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void aStreamedQuestionIsResumedWithTheStreamEndpoint() {
    WorkflowFixture.Sink first = new WorkflowFixture.Sink();
    WorkflowRun interrupted =
        fx.useCases
            .streamWorkflow()
            .execute(
                new StreamWorkflow.Command(fx.request(WorkflowFixture.QUIZ, "{}", "")),
                first,
                new RunHandle());
    assertThat(interrupted.state()).isEqualTo(WorkflowRunState.INTERRUPTED);
    assertThat(first.events()).last().isInstanceOf(Event.Interrupt.class);

    WorkflowFixture.Sink second = new WorkflowFixture.Sink();
    WorkflowRun done =
        fx.useCases
            .resumeWorkflowRun()
            .execute(
                new ResumeWorkflowRun.Command(
                    interrupted.name(), interrupted.interrupt().eventId(), "Paris", 2),
                second,
                new RunHandle());

    assertThat(done.state()).isEqualTo(WorkflowRunState.SUCCEEDED);
    assertThat(fx.coze.calls(Method.RESUME_STREAM)).isEqualTo(1);
    assertThat(second.events()).last().isInstanceOf(Event.Done.class);
    assertThat(((Event) second.events().get(0)).id()).isZero();
  }

  @Test
  void listingIsNewestFirstFilteredAndPagedWithoutGapsOrRepeats() {
    List<WorkflowRun> made = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      made.add(fx.run(i % 2 == 0 ? WorkflowFixture.ECHO : WorkflowFixture.QUIZ, "{}"));
      fx.auth.clock.advance(Duration.ofSeconds(1));
    }
    Set<String> seen = new HashSet<>();
    List<String> order = new ArrayList<>();
    String token = "";
    do {
      ListWorkflowRuns.Page page =
          fx.useCases
              .listWorkflowRuns()
              .execute(
                  new ListWorkflowRuns.Command(
                      AuthFixture.TENANT, WorkflowFixture.ECHO, null, fx.alice, 2, token));
      page.runs().forEach(r -> order.add(r.name().runId()));
      page.runs().forEach(r -> assertThat(seen.add(r.name().runId())).isTrue());
      token = page.nextPageToken();
    } while (!token.isEmpty());

    assertThat(order)
        .containsExactly(
            made.get(6).name().runId(),
            made.get(4).name().runId(),
            made.get(2).name().runId(),
            made.get(0).name().runId());
    ListWorkflowRuns.Page interrupted =
        fx.useCases
            .listWorkflowRuns()
            .execute(
                new ListWorkflowRuns.Command(
                    AuthFixture.TENANT, "", WorkflowRunState.INTERRUPTED, null, 0, ""));
    assertThat(interrupted.runs()).hasSize(3);
    String firstToken =
        fx.useCases
            .listWorkflowRuns()
            .execute(new ListWorkflowRuns.Command(AuthFixture.TENANT, "", null, null, 1, ""))
            .nextPageToken();
    assertThatThrownBy(
            () ->
                fx.useCases
                    .listWorkflowRuns()
                    .execute(
                        new ListWorkflowRuns.Command(
                            AuthFixture.TENANT, WorkflowFixture.ECHO, null, null, 1, firstToken)))
        .isInstanceOfSatisfying(
            GatewayException.InvalidArgument.class,
            e -> assertThat(e.violations().get(0).field()).isEqualTo("page_token"));
  }
}
