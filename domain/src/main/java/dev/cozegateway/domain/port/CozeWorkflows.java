package dev.cozegateway.domain.port;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.WorkflowInterrupt;
import dev.cozegateway.domain.WorkflowUsage;
import java.util.Objects;

/**
 * Coze's workflow API (run, stream run, resume, run history), called with an end user's access
 * token on the app's region.
 *
 * <p>Coze business errors (a non-zero {@code code}, HTTP 401 as 4100, a JSON envelope where a
 * stream was expected) throw {@link dev.cozegateway.domain.CozeApiException}; an unreachable Coze,
 * a timeout, a 5xx without an envelope or an unreadable answer throws {@link
 * dev.cozegateway.domain.GatewayException.Unavailable} with reason {@code COZE_UNAVAILABLE}. No
 * HTTP or JSON type crosses this port, and no token appears in an exception. Thread-safe.
 */
public interface CozeWorkflows {

  /** {@code POST /v1/workflow/run}, synchronously: waits for the result or an interrupt. */
  RunResult run(App app, Secret accessToken, WorkflowCall call);

  /** {@code POST /v1/workflow/run} with {@code is_async}: returns as soon as Coze accepted it. */
  AsyncStart runAsync(App app, Secret accessToken, WorkflowCall call);

  /** {@code GET /v1/workflows/{workflow_id}/run_histories/{execute_id}}. */
  RunHistory history(App app, Secret accessToken, String workflowId, String executeId);

  /**
   * {@code POST /v1/workflow/stream_run}. Returns once Coze has answered with an event stream; a
   * JSON error envelope instead throws {@link dev.cozegateway.domain.CozeApiException}.
   */
  EventStream stream(App app, Secret accessToken, WorkflowCall call);

  /** {@code POST /v1/workflow/stream_resume}; as {@link #stream}. */
  EventStream resumeStream(App app, Secret accessToken, Resume resume);

  /** {@code POST /v1/workflows/resume}, for runs started with {@link #run} or {@link #runAsync}. */
  RunResult resume(App app, Secret accessToken, Resume resume);

  /**
   * What to run.
   *
   * @param workflowId Coze's workflow id
   * @param parametersJson the start node's inputs as a serialized JSON object ({@code {}} for
   *     none); sent as a JSON object, not as a string
   * @param botId a bot id, or empty
   * @param appId a Coze app id, or empty (never both)
   */
  record WorkflowCall(String workflowId, String parametersJson, String botId, String appId) {
    public WorkflowCall {
      Objects.requireNonNull(workflowId, "workflowId");
      Objects.requireNonNull(parametersJson, "parametersJson");
      botId = botId == null ? "" : botId;
      appId = appId == null ? "" : appId;
    }
  }

  /** A resume of an interrupted run: the interrupt's event id and type, and the answer. */
  record Resume(String workflowId, String eventId, String resumeData, int interruptType) {
    public Resume {
      Objects.requireNonNull(workflowId, "workflowId");
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(resumeData, "resumeData");
    }
  }

  /**
   * A synchronous run's (or non-stream resume's) answer.
   *
   * @param output Coze's {@code data}: the output as a string, usually serialized JSON; empty if
   *     interrupted
   * @param interrupt where it stopped for the end user, or {@code null} if it finished
   */
  record RunResult(
      String output,
      String executeId,
      String debugUrl,
      WorkflowUsage usage,
      WorkflowInterrupt interrupt,
      String logId) {}

  /** An accepted async run. */
  record AsyncStart(String executeId, String debugUrl, String logId) {}

  /**
   * One execution's record at Coze.
   *
   * @param output the end node's output in the same shape as {@link RunResult#output()} (Coze's
   *     history wraps it as {@code {"Output": …}}; adapters unwrap it); empty unless {@code
   *     SUCCESS}
   */
  record RunHistory(
      Status status,
      String output,
      String errorCode,
      String errorMessage,
      String debugUrl,
      WorkflowUsage usage,
      WorkflowInterrupt interrupt,
      String logId) {

    /** Coze's {@code execute_status}. */
    public enum Status {
      RUNNING,
      SUCCESS,
      FAIL
    }
  }

  /**
   * The events of a streamed run, in order. {@code PING} and unknown events are dropped. Not
   * thread-safe, except that {@link #close} may be called from any thread, and makes a blocked
   * {@link #next} return or throw promptly.
   */
  interface EventStream extends AutoCloseable {
    /**
     * The next event, blocking until Coze sends one; {@code null} once the stream has ended (after
     * {@code Done}, an {@code Error}, or the end of the response).
     *
     * @throws dev.cozegateway.domain.GatewayException.Unavailable if the connection fails or no
     *     event (not even a {@code PING}) arrives within the idle timeout
     */
    Event next();

    /** Coze's log id of the streaming call. */
    String logId();

    /** Closes the HTTP stream; Coze sees the client go away. Idempotent. */
    @Override
    void close();
  }

  /** One event of a stream. */
  sealed interface Event {
    /** Coze's event id, counting from 0 in each stream. */
    long id();

    /**
     * A {@code Message}.
     *
     * @param usage set on the end node's message, otherwise {@code null}
     */
    record Message(
        long id,
        String content,
        String nodeTitle,
        String nodeSeqId,
        boolean nodeIsFinish,
        String nodeId,
        WorkflowUsage usage)
        implements Event {}

    /** An {@code Interrupt}: the run waits for a resume. */
    record Interrupt(long id, WorkflowInterrupt interrupt) implements Event {}

    /** An {@code Error} in the stream: the run failed. */
    record Error(long id, int code, String message) implements Event {}

    /** {@code Done}: the stream ends. */
    record Done(long id, String debugUrl) implements Event {}
  }
}
