package dev.cozegateway.domain.testing;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.CozeApiException;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.WorkflowInterrupt;
import dev.cozegateway.domain.WorkflowUsage;
import dev.cozegateway.domain.port.CozeWorkflows;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * An in-memory Coze workflow API for use-case tests, scripted per workflow id with a {@link
 * Behaviour}. It follows the Coze sandbox's rules, so both pass {@code CozeWorkflowsContract}:
 *
 * <ul>
 *   <li>an unknown workflow is 4200, {@code botId} with {@code appId} is 4000, a token the
 *       {@linkplain #setTokenValidator validator} refuses is 4100, {@code is_async} while
 *       {@linkplain #setAsyncRunsAllowed disallowed} is 6003, an unknown execute id is 4314;
 *   <li>a question interrupts (type 2) with event id {@code "<executeId>/<n>"}; an unsatisfying
 *       answer asks again under a new event id, the third one fails the run (4000); resuming a
 *       finished run is 4315, an event id the run is not waiting at 4000;
 *   <li>a stream's event ids count from 0 (again after a resume); a stream ends with {@code Done}
 *       after a message or interrupt, and without it after an {@code Error};
 *   <li>an async run shows {@code RUNNING} for {@linkplain #setAsyncPollsBeforeFinish N} history
 *       queries, or until {@linkplain #finishAsyncRun released} when {@linkplain #holdAsyncRuns
 *       held}; its history {@code output} is the run's output, as the port promises (the HTTP
 *       adapter unwraps Coze's {@code {"Output": "<data>"}}).
 * </ul>
 *
 * <p>Every call is recorded ({@link #calls(Method)}, {@link #lastCall(Method)}) before anything is
 * checked, so refused calls count too. Failures can be forced ({@link #failNext(int, int)}), and
 * streams held open ({@link #holdStreamsAfter}), dropped or failed mid-stream. Thread-safe: one
 * monitor guards all state; a blocked {@link EventStream#next()} waits on it, so {@link
 * EventStream#close()} and {@link #releaseStreams()} wake it at once.
 */
public final class FakeCozeWorkflows implements CozeWorkflows {
  /** What {@link #setTokenValidator} starts with: any non-blank token. */
  public static final Predicate<String> ANY_NON_BLANK_TOKEN = token -> !token.isBlank();

  /** Coze allows this many resumes per run; the last unsatisfying one fails the run. */
  public static final int MAX_RESUMES = 3;

  /** The interrupt type of a question node. */
  public static final int QUESTION_TYPE = 2;

  private static final long FIRST_EXECUTE_ID = 7_500_000_000_000_000_001L;

  /** The port's methods, for counting calls. */
  public enum Method {
    RUN,
    RUN_ASYNC,
    HISTORY,
    STREAM,
    RESUME_STREAM,
    RESUME
  }

  /**
   * One call as it reached the fake. Fields that do not apply to the method are {@code null}.
   *
   * @param workflowId the workflow the call named (from the call, resume or history query)
   * @param executeId the history query's execute id
   */
  public record Call(
      Method method,
      App app,
      Secret accessToken,
      WorkflowCall call,
      Resume resume,
      String workflowId,
      String executeId) {}

  /** What a registered workflow does. Create with the static factories. */
  public sealed interface Behaviour {
    /** Finishes at once with {@code output} as its {@code data}. */
    static Behaviour returns(String output) {
      return new Returns(output);
    }

    /**
     * Finishes at once with the call's {@code parametersJson} as its output, as the sandbox does.
     */
    static Behaviour echoes() {
      return new Echoes();
    }

    /**
     * A stream sends each of {@code messages} from a node titled {@code Message}, then the end
     * node's message with {@code output} and usage, then {@code Done}; other modes just finish with
     * {@code output}.
     */
    static Behaviour streams(String output, List<String> messages) {
      return new Streams(output, messages, Duration.ZERO);
    }

    /**
     * {@link #streams(String, List)}, waiting {@code delay} before each message after the first.
     */
    static Behaviour streams(String output, List<String> messages, Duration delay) {
      return new Streams(output, messages, delay);
    }

    /**
     * A question node: interrupts with {@code question}; any non-blank answer finishes the run with
     * output {@code {"output":"<answer>"}}.
     */
    static Behaviour asks(String question) {
      return new Asks(question, null);
    }

    /**
     * A question node that accepts only {@code expectedAnswer} (ignoring surrounding blanks); other
     * answers ask again, and the third unsatisfying resume fails the run with 4000.
     */
    static Behaviour asks(String question, String expectedAnswer) {
      return new Asks(question, Objects.requireNonNull(expectedAnswer, "expectedAnswer"));
    }

    /**
     * Fails with a Coze code: a sync run throws {@link CozeApiException}, a stream sends an {@code
     * Error} event, an async run's history shows {@code FAIL}.
     */
    static Behaviour fails(int code, String message) {
      return new Fails(code, message);
    }
  }

  /** See {@link Behaviour#returns}. */
  public record Returns(String output) implements Behaviour {
    public Returns {
      Objects.requireNonNull(output, "output");
    }
  }

  /** See {@link Behaviour#echoes}. */
  public record Echoes() implements Behaviour {}

  /** See {@link Behaviour#streams(String, List, Duration)}. */
  public record Streams(String output, List<String> messages, Duration delay) implements Behaviour {
    public Streams {
      Objects.requireNonNull(output, "output");
      messages = List.copyOf(messages);
      Objects.requireNonNull(delay, "delay");
    }
  }

  /** See {@link Behaviour#asks(String, String)}; {@code expectedAnswer} null accepts any. */
  public record Asks(String question, String expectedAnswer) implements Behaviour {
    public Asks {
      Objects.requireNonNull(question, "question");
    }
  }

  /** See {@link Behaviour#fails}. */
  public record Fails(int code, String message) implements Behaviour {
    public Fails {
      if (code == 0) {
        throw new IllegalArgumentException("a failing workflow needs a non-zero code");
      }
      message = message == null ? "" : message;
    }
  }

  // ---- state, all guarded by this ----

  private final Map<String, Behaviour> workflows = new HashMap<>();
  private final Map<String, FakeRun> runsByExecuteId = new HashMap<>();
  private final Map<String, FakeRun> runsByEventId = new HashMap<>();
  private final List<Call> calls = new ArrayList<>();
  private final Map<Method, Integer> callCounts = new EnumMap<>(Method.class);
  private final Deque<Supplier<RuntimeException>> forcedFailures = new ArrayDeque<>();
  private final List<FakeEventStream> streams = new ArrayList<>();
  private Predicate<String> tokenValidator = ANY_NON_BLANK_TOKEN;
  private boolean asyncRunsAllowed = true;
  private int asyncPollsBeforeFinish;
  private boolean holdAsyncRuns;
  private int holdStreamsAfter = -1;
  private long streamGeneration;
  private StreamFault nextStreamFault;
  private long nextExecuteId = FIRST_EXECUTE_ID;
  private long nextLogId = 1;

  // ---- scripting ----

  /** Registers (or replaces) the workflow {@code workflowId}. Returns this, for chaining. */
  public synchronized FakeCozeWorkflows register(String workflowId, Behaviour behaviour) {
    workflows.put(
        Objects.requireNonNull(workflowId, "workflowId"),
        Objects.requireNonNull(behaviour, "behaviour"));
    return this;
  }

  /** Which access tokens Coze accepts; any other call fails with 4100. */
  public synchronized void setTokenValidator(Predicate<String> validator) {
    tokenValidator = Objects.requireNonNull(validator, "validator");
  }

  /** Allows async runs, or refuses them with 6003 as on a free plan. Allowed by default. */
  public synchronized void setAsyncRunsAllowed(boolean allowed) {
    asyncRunsAllowed = allowed;
  }

  /**
   * Async runs (and async resumes) started from now on show {@code RUNNING} for this many history
   * queries, and their outcome from the next one. Default 0: the first query shows the outcome.
   */
  public synchronized void setAsyncPollsBeforeFinish(int polls) {
    if (polls < 0) {
      throw new IllegalArgumentException("polls must be >= 0");
    }
    asyncPollsBeforeFinish = polls;
  }

  /**
   * While on, async runs started from now on stay {@code RUNNING} until {@link #finishAsyncRun} or
   * {@link #finishAllAsyncRuns} (then the poll count applies).
   */
  public synchronized void holdAsyncRuns(boolean hold) {
    holdAsyncRuns = hold;
  }

  /** Lets a held async run reach its outcome. */
  public synchronized void finishAsyncRun(String executeId) {
    FakeRun run = runsByExecuteId.get(executeId);
    if (run == null) {
      throw new IllegalArgumentException("no run " + executeId);
    }
    run.held = false;
  }

  /** Lets every held async run reach its outcome. */
  public synchronized void finishAllAsyncRuns() {
    runsByExecuteId.values().forEach(run -> run.held = false);
  }

  /** The next call (any method) throws {@link CozeApiException} with {@code code}. */
  public void failNext(int code) {
    failNext(code, 1);
  }

  /**
   * The next {@code times} calls (any method) throw {@link CozeApiException} with {@code code},
   * before the token or anything else is checked; queued behind failures forced earlier.
   */
  public synchronized void failNext(int code, int times) {
    for (int i = 0; i < times; i++) {
      forcedFailures.add(() -> new CozeApiException(code, messageFor(code), nextLogId()));
    }
  }

  /**
   * The next {@code times} calls throw {@link GatewayException.Unavailable}, as if Coze were down.
   */
  public synchronized void failNextUnavailable(int times) {
    for (int i = 0; i < times; i++) {
      forcedFailures.add(
          () ->
              new GatewayException.Unavailable(
                  Reason.COZE_UNAVAILABLE, "Coze is unavailable (fake)", Map.of(), null));
    }
  }

  /**
   * Streams opened from now on deliver {@code events} events, then block in {@link
   * EventStream#next()} until {@link #releaseStreams()} or their {@code close()}.
   */
  public synchronized void holdStreamsAfter(int events) {
    if (events < 0) {
      throw new IllegalArgumentException("events must be >= 0");
    }
    holdStreamsAfter = events;
  }

  /** Lets held streams go on, and stops holding new ones. */
  public synchronized void releaseStreams() {
    holdStreamsAfter = -1;
    streamGeneration++;
    notifyAll();
  }

  /**
   * Waits until at least {@code count} streams are blocked at the hold.
   *
   * @return whether they were within {@code timeout}
   */
  public synchronized boolean awaitHeldStreams(int count, Duration timeout) {
    return await(() -> streams.stream().filter(s -> s.blockedAtHold).count() >= count, timeout);
  }

  /**
   * The next stream opened sends an {@code Error} event ({@code code}, {@code message}) after
   * {@code afterEvents} events (at the latest in place of its last), and ends; the run fails.
   */
  public synchronized void failNextStreamAfter(int code, String message, int afterEvents) {
    nextStreamFault = new StreamFault(false, code, message, afterEvents);
  }

  /**
   * The next stream opened delivers {@code afterEvents} events, then its {@code next()} throws
   * {@link GatewayException.Unavailable}, as if the connection broke.
   */
  public synchronized void dropNextStreamAfter(int afterEvents) {
    nextStreamFault = new StreamFault(true, 0, "", afterEvents);
  }

  // ---- inspection ----

  /** How many calls of {@code method} arrived, refused ones included. */
  public synchronized int calls(Method method) {
    return callCounts.getOrDefault(method, 0);
  }

  /** How many calls arrived in all. */
  public synchronized int totalCalls() {
    return calls.size();
  }

  /** Every call so far, oldest first. */
  public synchronized List<Call> allCalls() {
    return List.copyOf(calls);
  }

  /** The latest call of {@code method}, or {@code null} if there was none. */
  public synchronized Call lastCall(Method method) {
    for (int i = calls.size() - 1; i >= 0; i--) {
      if (calls.get(i).method() == method) {
        return calls.get(i);
      }
    }
    return null;
  }

  /** How many streams the client closed before consuming their last event. */
  public synchronized int streamsClosedByClient() {
    return (int) streams.stream().filter(s -> s.closedEarly).count();
  }

  /** Waits until at least {@code count} streams were closed early by the client. */
  public synchronized boolean awaitStreamsClosedByClient(int count, Duration timeout) {
    return await(() -> streamsClosedByClient() >= count, timeout);
  }

  /** How many streams were opened and not closed yet: a leak if a use case is done. */
  public synchronized int unclosedStreams() {
    return (int) streams.stream().filter(s -> !s.closed).count();
  }

  /** How many resumes (either endpoint) the run {@code executeId} has taken. */
  public synchronized int resumesOf(String executeId) {
    FakeRun run = runsByExecuteId.get(executeId);
    return run == null ? 0 : run.resumes;
  }

  // ---- the port ----

  @Override
  public RunResult run(App app, Secret accessToken, WorkflowCall call) {
    synchronized (this) {
      admit(new Call(Method.RUN, app, accessToken, call, null, call.workflowId(), null));
      Behaviour behaviour = runnable(call);
      FakeRun run = newRun(call.workflowId(), behaviour, false);
      Outcome outcome = start(behaviour, call);
      run.apply(outcome);
      return syncAnswer(run, outcome);
    }
  }

  @Override
  public AsyncStart runAsync(App app, Secret accessToken, WorkflowCall call) {
    synchronized (this) {
      admit(new Call(Method.RUN_ASYNC, app, accessToken, call, null, call.workflowId(), null));
      Behaviour behaviour = runnable(call);
      if (!asyncRunsAllowed) {
        throw coze(6003);
      }
      FakeRun run = newRun(call.workflowId(), behaviour, true);
      run.defer(start(behaviour, call), asyncPollsBeforeFinish, holdAsyncRuns);
      return new AsyncStart(run.executeId, run.debugUrl(), nextLogId());
    }
  }

  @Override
  public RunHistory history(App app, Secret accessToken, String workflowId, String executeId) {
    synchronized (this) {
      admit(new Call(Method.HISTORY, app, accessToken, null, null, workflowId, executeId));
      FakeRun run = runsByExecuteId.get(executeId);
      if (run == null || !run.workflowId.equals(workflowId)) {
        throw coze(4314);
      }
      run.poll();
      RunHistory.Status status =
          switch (run.status) {
            case SUCCESS -> RunHistory.Status.SUCCESS;
            case FAIL -> RunHistory.Status.FAIL;
            case RUNNING, INTERRUPTED -> RunHistory.Status.RUNNING;
          };
      return new RunHistory(
          status,
          run.status == RunStatus.SUCCESS ? run.output : "",
          run.status == RunStatus.FAIL ? String.valueOf(run.errorCode) : "",
          run.errorMessage,
          run.debugUrl(),
          run.usage,
          run.status == RunStatus.INTERRUPTED ? run.interrupt(true) : null,
          nextLogId());
    }
  }

  @Override
  public EventStream stream(App app, Secret accessToken, WorkflowCall call) {
    synchronized (this) {
      admit(new Call(Method.STREAM, app, accessToken, call, null, call.workflowId(), null));
      Behaviour behaviour = runnable(call);
      FakeRun run = newRun(call.workflowId(), behaviour, false);
      Outcome outcome = start(behaviour, call);
      List<Timed> events = new ArrayList<>();
      if (behaviour instanceof Streams streams) {
        for (int i = 0; i < streams.messages().size(); i++) {
          int seq = i;
          events.add(
              new Timed(
                  i == 0 ? Duration.ZERO : streams.delay(),
                  id ->
                      new Event.Message(
                          id,
                          streams.messages().get(seq),
                          "Message",
                          String.valueOf(seq),
                          seq == streams.messages().size() - 1,
                          "message-node",
                          null)));
        }
      }
      return openStream(run, outcome, events);
    }
  }

  @Override
  public EventStream resumeStream(App app, Secret accessToken, Resume resume) {
    synchronized (this) {
      admit(
          new Call(
              Method.RESUME_STREAM, app, accessToken, null, resume, resume.workflowId(), null));
      FakeRun run = resumable(resume);
      return openStream(run, resumeOutcome(run, resume), new ArrayList<>());
    }
  }

  @Override
  public RunResult resume(App app, Secret accessToken, Resume resume) {
    synchronized (this) {
      admit(new Call(Method.RESUME, app, accessToken, null, resume, resume.workflowId(), null));
      FakeRun run = resumable(resume);
      Outcome outcome = resumeOutcome(run, resume);
      if (run.async) {
        // Continues asynchronously like the original run (§4.4): only ids come back.
        run.defer(outcome, asyncPollsBeforeFinish, holdAsyncRuns);
        return new RunResult(
            "", run.executeId, run.debugUrl(), WorkflowUsage.NONE, null, nextLogId());
      }
      run.apply(outcome);
      return syncAnswer(run, outcome);
    }
  }

  // ---- internals ----

  private enum RunStatus {
    RUNNING,
    INTERRUPTED,
    SUCCESS,
    FAIL
  }

  /** How one leg of a run ends. */
  private sealed interface Outcome {}

  private record Finish(String output, WorkflowUsage usage) implements Outcome {}

  private record Ask(String question) implements Outcome {}

  private record Fail(int code, String message) implements Outcome {}

  private record StreamFault(boolean drop, int code, String message, int afterEvents) {}

  /** An event to deliver after {@code delay}, given its id. */
  private record Timed(Duration delay, java.util.function.LongFunction<Event> event) {}

  private final class FakeRun {
    final String executeId;
    final String workflowId;
    final Behaviour behaviour;
    final boolean async;
    RunStatus status = RunStatus.RUNNING;
    String output = "";
    WorkflowUsage usage = WorkflowUsage.NONE;
    int errorCode;
    String errorMessage = "";
    String eventId;
    String question = "";
    int interrupts;
    int resumes;
    Outcome pending;
    int pollsLeft;
    boolean held;

    FakeRun(String executeId, String workflowId, Behaviour behaviour, boolean async) {
      this.executeId = executeId;
      this.workflowId = workflowId;
      this.behaviour = behaviour;
      this.async = async;
    }

    String debugUrl() {
      return "https://www.coze.com/work_flow?execute_id="
          + executeId
          + "&workflow_id="
          + workflowId;
    }

    void apply(Outcome outcome) {
      pending = null;
      if (outcome instanceof Finish finish) {
        status = RunStatus.SUCCESS;
        output = finish.output();
        usage = finish.usage();
      } else if (outcome instanceof Ask ask) {
        status = RunStatus.INTERRUPTED;
        question = ask.question();
        if (eventId != null) {
          runsByEventId.remove(eventId);
        }
        interrupts++;
        eventId = executeId + "/" + (7_000_000_000_000_000_000L + interrupts);
        runsByEventId.put(eventId, this);
      } else if (outcome instanceof Fail fail) {
        status = RunStatus.FAIL;
        errorCode = fail.code();
        errorMessage = fail.message();
      }
    }

    void defer(Outcome outcome, int polls, boolean hold) {
      status = RunStatus.RUNNING;
      pending = outcome;
      pollsLeft = polls;
      held = hold;
    }

    /** A history query: counts down the polls, or applies a due outcome. */
    void poll() {
      if (pending != null && !held && pollsLeft > 0) {
        pollsLeft--;
        return;
      }
      settleIfDue();
    }

    void settleIfDue() {
      if (pending != null && !held && pollsLeft == 0) {
        apply(pending);
      }
    }

    WorkflowInterrupt interrupt(boolean carryQuestion) {
      String data =
          carryQuestion
              ? "{\"content_type\":\"text\",\"content\":" + jsonString(question) + "}"
              : "";
      return new WorkflowInterrupt(eventId, QUESTION_TYPE, data, carryQuestion ? "" : "Question");
    }
  }

  private void admit(Call call) {
    calls.add(call);
    callCounts.merge(call.method(), 1, Integer::sum);
    Supplier<RuntimeException> forced = forcedFailures.poll();
    if (forced != null) {
      throw forced.get();
    }
    Secret token = call.accessToken();
    if (token == null || !tokenValidator.test(token.reveal())) {
      throw coze(CozeApiException.AUTHENTICATION_INVALID);
    }
  }

  private Behaviour runnable(WorkflowCall call) {
    Behaviour behaviour = known(call.workflowId());
    if (!call.botId().isEmpty() && !call.appId().isEmpty()) {
      throw new CozeApiException(4000, "bot_id and app_id cannot both be set", nextLogId());
    }
    return behaviour;
  }

  private Behaviour known(String workflowId) {
    Behaviour behaviour = workflows.get(workflowId);
    if (behaviour == null) {
      throw coze(4200);
    }
    return behaviour;
  }

  private FakeRun newRun(String workflowId, Behaviour behaviour, boolean async) {
    FakeRun run = new FakeRun(String.valueOf(nextExecuteId++), workflowId, behaviour, async);
    runsByExecuteId.put(run.executeId, run);
    return run;
  }

  private static Outcome start(Behaviour behaviour, WorkflowCall call) {
    int input = call.parametersJson().length();
    if (behaviour instanceof Returns returns) {
      return finish(returns.output(), input);
    } else if (behaviour instanceof Echoes) {
      return finish(call.parametersJson(), input);
    } else if (behaviour instanceof Streams streams) {
      return finish(streams.output(), input);
    } else if (behaviour instanceof Asks asks) {
      return new Ask(asks.question());
    } else {
      Fails fails = (Fails) behaviour;
      return new Fail(fails.code(), fails.message());
    }
  }

  private static Finish finish(String output, int input) {
    return new Finish(output, new WorkflowUsage(input, output.length(), input + output.length()));
  }

  private FakeRun resumable(Resume resume) {
    known(resume.workflowId());
    FakeRun run = runsByEventId.get(resume.eventId());
    if (run == null || !run.workflowId.equals(resume.workflowId())) {
      throw new CozeApiException(4000, "unknown event_id", nextLogId());
    }
    run.settleIfDue();
    if (run.status == RunStatus.SUCCESS || run.status == RunStatus.FAIL) {
      throw coze(4315);
    }
    if (run.status != RunStatus.INTERRUPTED || !resume.eventId().equals(run.eventId)) {
      throw new CozeApiException(
          4000, "event_id is not the interrupt this run is waiting at", nextLogId());
    }
    if (resume.interruptType() != QUESTION_TYPE) {
      throw new CozeApiException(4000, "interrupt_type does not match the interrupt", nextLogId());
    }
    return run;
  }

  private static Outcome resumeOutcome(FakeRun run, Resume resume) {
    run.resumes++;
    run.status = RunStatus.RUNNING;
    Asks asks = (Asks) run.behaviour;
    String answer = resume.resumeData();
    boolean satisfying =
        asks.expectedAnswer() == null
            ? !answer.isBlank()
            : answer.trim().equals(asks.expectedAnswer().trim());
    if (satisfying) {
      return finish("{\"output\":" + jsonString(answer) + "}", answer.length());
    }
    if (run.resumes >= MAX_RESUMES) {
      return new Fail(
          4000,
          "Request parameter error: the question node got no acceptable answer in "
              + MAX_RESUMES
              + " resumes");
    }
    return new Ask(asks.question());
  }

  private RunResult syncAnswer(FakeRun run, Outcome outcome) {
    if (outcome instanceof Fail fail) {
      throw new CozeApiException(fail.code(), fail.message(), nextLogId());
    }
    if (outcome instanceof Ask) {
      return new RunResult(
          "", run.executeId, run.debugUrl(), WorkflowUsage.NONE, run.interrupt(true), nextLogId());
    }
    return new RunResult(run.output, run.executeId, run.debugUrl(), run.usage, null, nextLogId());
  }

  /** A stream of {@code leading} events, then the outcome's events; the run takes the outcome. */
  private EventStream openStream(FakeRun run, Outcome outcome, List<Timed> leading) {
    run.apply(outcome);
    List<Timed> events = new ArrayList<>(leading);
    if (outcome instanceof Finish finish) {
      events.add(
          new Timed(
              Duration.ZERO,
              id ->
                  new Event.Message(
                      id, finish.output(), "End", "0", true, "end-node", finish.usage())));
      events.add(new Timed(Duration.ZERO, id -> new Event.Done(id, run.debugUrl())));
    } else if (outcome instanceof Ask ask) {
      WorkflowInterrupt interrupt = run.interrupt(false);
      events.add(
          new Timed(
              Duration.ZERO,
              id ->
                  new Event.Message(id, ask.question(), "Question", "0", true, "question", null)));
      events.add(new Timed(Duration.ZERO, id -> new Event.Interrupt(id, interrupt)));
      events.add(new Timed(Duration.ZERO, id -> new Event.Done(id, run.debugUrl())));
    } else {
      Fail fail = (Fail) outcome;
      events.add(new Timed(Duration.ZERO, id -> new Event.Error(id, fail.code(), fail.message())));
    }
    StreamFault fault = nextStreamFault;
    nextStreamFault = null;
    if (fault != null && !fault.drop()) {
      int at = Math.min(fault.afterEvents(), events.size() - 1);
      events = new ArrayList<>(events.subList(0, at));
      events.add(
          new Timed(Duration.ZERO, id -> new Event.Error(id, fault.code(), fault.message())));
      run.apply(new Fail(fault.code(), fault.message()));
    }
    FakeEventStream stream =
        new FakeEventStream(
            events, holdStreamsAfter, fault != null && fault.drop() ? fault.afterEvents() : -1);
    streams.add(stream);
    return stream;
  }

  private final class FakeEventStream implements EventStream {
    private final List<Timed> events;
    private final int holdAt;
    private final int dropAt;
    private final long generation;
    private final String logId;
    // Guarded by FakeCozeWorkflows.this.
    private int delivered;
    private boolean closed;
    private boolean closedEarly;
    private boolean blockedAtHold;

    FakeEventStream(List<Timed> events, int holdAt, int dropAt) {
      this.events = events;
      this.holdAt = holdAt;
      this.dropAt = dropAt;
      this.generation = streamGeneration;
      this.logId = nextLogId();
    }

    @Override
    public Event next() {
      synchronized (FakeCozeWorkflows.this) {
        while (!closed && delivered == holdAt && generation == streamGeneration) {
          if (!blockedAtHold) {
            blockedAtHold = true;
            FakeCozeWorkflows.this.notifyAll(); // wakes awaitHeldStreams
          }
          waitUninterruptibly(0);
        }
        blockedAtHold = false;
        if (closed || delivered >= events.size()) {
          return null;
        }
        if (delivered == dropAt) {
          throw new GatewayException.Unavailable(
              Reason.COZE_UNAVAILABLE, "the stream from Coze broke off (fake)", Map.of(), null);
        }
        Timed next = events.get(delivered);
        long deadline = System.nanoTime() + next.delay().toNanos();
        long left;
        while (!closed && (left = deadline - System.nanoTime()) > 0) {
          waitUninterruptibly(Math.max(1, left / 1_000_000));
        }
        if (closed) {
          return null;
        }
        Event event = next.event().apply(delivered);
        delivered++;
        return event;
      }
    }

    @Override
    public String logId() {
      return logId;
    }

    @Override
    public void close() {
      synchronized (FakeCozeWorkflows.this) {
        if (closed) {
          return;
        }
        closed = true;
        closedEarly = delivered < events.size();
        FakeCozeWorkflows.this.notifyAll();
      }
    }
  }

  /** Waits on this monitor (held by the caller); an interrupt ends the wait, and is kept. */
  private void waitUninterruptibly(long millis) {
    try {
      wait(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GatewayException.Unavailable(
          Reason.COZE_UNAVAILABLE, "interrupted while waiting for Coze (fake)", Map.of(), null);
    }
  }

  private boolean await(java.util.function.BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long left;
    while (!condition.getAsBoolean()) {
      if ((left = deadline - System.nanoTime()) <= 0) {
        return false;
      }
      waitUninterruptibly(Math.max(1, Math.min(50, left / 1_000_000)));
    }
    return true;
  }

  private CozeApiException coze(int code) {
    return new CozeApiException(code, messageFor(code), nextLogId());
  }

  private String nextLogId() {
    synchronized (this) {
      return String.format("20260101000000%020X", nextLogId++);
    }
  }

  private static String messageFor(int code) {
    return switch (code) {
      case 4000 -> "Request parameter error";
      case 4009 -> "System request ceiling reached, please retry later";
      case 4100 -> "authentication is invalid";
      case 4101 -> "The token you entered is incorrect";
      case 4200 -> "Resource not found";
      case 4314 -> "No run record for this execute_id";
      case 4315 -> "Execution already finished";
      case 5000 -> "Internal server error";
      case 6003 ->
          "Workflow execution with is_async=true is a premium feature available only to Coze"
              + " Professional users";
      case 700012006 -> "access token invalid";
      default -> "Coze error " + code;
    };
  }

  /** A JSON string literal, quotes included. */
  static String jsonString(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
