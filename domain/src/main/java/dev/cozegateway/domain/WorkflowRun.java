package dev.cozegateway.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * A record of one workflow run, from before Coze is called to its end. Immutable; change it with
 * {@link #toBuilder()}.
 *
 * @param name the run's name
 * @param connection the connection whose token runs it; {@code null} when it runs as a JWT app
 * @param appSession the JWT app and session whose token runs it; {@code null} when it runs for a
 *     connection
 * @param workflowId Coze's workflow id
 * @param botId the bot whose variables and databases the workflow uses, or empty
 * @param appId the Coze app the workflow belongs to, or empty; never set with a bot id
 * @param mode how it was started
 * @param state where it is in its lifecycle
 * @param requestId the caller's idempotency key, or empty
 * @param requestDigest a digest of the request that created it, to tell a retried request from a
 *     different one with the same request id; empty if none
 * @param executeId Coze's execute id, once known; otherwise empty
 * @param output the output as Coze returned it (usually serialized JSON), or empty
 * @param debugUrl Coze's debug URL, or empty
 * @param usage Coze's token accounting
 * @param interrupt where it waits for the end user when {@code INTERRUPTED}; otherwise {@code null}
 * @param error why it failed when {@code FAILED} (or why it was cancelled); otherwise {@code null}
 * @param resumeCount how often it was resumed (Coze allows 3)
 * @param logId Coze's log id of the last call for it, or empty
 * @param createTime when it was recorded
 * @param updateTime when it last changed
 * @param checkTime when the gateway must next look at it: an async run's next poll, or the time
 *     after which a sync or stream run that has not finished is deemed abandoned by a process that
 *     died; {@code null} once nobody needs to look (terminal or interrupted)
 * @param pollCount how often an async run was polled, for the backoff
 * @param version incremented by every write; stores compare-and-set on it
 */
public record WorkflowRun(
    WorkflowRunName name,
    ConnectionName connection,
    ServiceTokenKey appSession,
    String workflowId,
    String botId,
    String appId,
    WorkflowRunMode mode,
    WorkflowRunState state,
    String requestId,
    String requestDigest,
    String executeId,
    String output,
    String debugUrl,
    WorkflowUsage usage,
    WorkflowInterrupt interrupt,
    WorkflowRunError error,
    int resumeCount,
    String logId,
    Instant createTime,
    Instant updateTime,
    Instant checkTime,
    int pollCount,
    long version) {
  /** Coze allows this many resumes of one run. */
  public static final int MAX_RESUMES = 3;

  public WorkflowRun {
    Objects.requireNonNull(name, "name");
    if ((connection == null) == (appSession == null)) {
      throw new IllegalArgumentException("a run acts for a connection or for a JWT app session");
    }
    Objects.requireNonNull(workflowId, "workflowId");
    Objects.requireNonNull(botId, "botId");
    Objects.requireNonNull(appId, "appId");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(requestDigest, "requestDigest");
    Objects.requireNonNull(executeId, "executeId");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(debugUrl, "debugUrl");
    Objects.requireNonNull(usage, "usage");
    Objects.requireNonNull(createTime, "createTime");
    Objects.requireNonNull(updateTime, "updateTime");
    if (!botId.isEmpty() && !appId.isEmpty()) {
      throw new IllegalArgumentException("a run has a bot id or an app id, not both");
    }
  }

  /** Whether it can change no more. */
  public boolean isTerminal() {
    return state.isTerminal();
  }

  /** A builder holding this run's values, to derive a changed copy. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** A builder for a new run with empty strings, no usage and version 0. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds runs; unset strings are empty. Not thread-safe. */
  public static final class Builder {
    private WorkflowRunName name;
    private ConnectionName connection;
    private ServiceTokenKey appSession;
    private String workflowId = "";
    private String botId = "";
    private String appId = "";
    private WorkflowRunMode mode;
    private WorkflowRunState state;
    private String requestId = "";
    private String requestDigest = "";
    private String executeId = "";
    private String output = "";
    private String debugUrl = "";
    private WorkflowUsage usage = WorkflowUsage.NONE;
    private WorkflowInterrupt interrupt;
    private WorkflowRunError error;
    private int resumeCount;
    private String logId = "";
    private Instant createTime;
    private Instant updateTime;
    private Instant checkTime;
    private int pollCount;
    private long version;

    private Builder() {}

    private Builder(WorkflowRun run) {
      this.name = run.name;
      this.connection = run.connection;
      this.appSession = run.appSession;
      this.workflowId = run.workflowId;
      this.botId = run.botId;
      this.appId = run.appId;
      this.mode = run.mode;
      this.state = run.state;
      this.requestId = run.requestId;
      this.requestDigest = run.requestDigest;
      this.executeId = run.executeId;
      this.output = run.output;
      this.debugUrl = run.debugUrl;
      this.usage = run.usage;
      this.interrupt = run.interrupt;
      this.error = run.error;
      this.resumeCount = run.resumeCount;
      this.logId = run.logId;
      this.createTime = run.createTime;
      this.updateTime = run.updateTime;
      this.checkTime = run.checkTime;
      this.pollCount = run.pollCount;
      this.version = run.version;
    }

    public Builder name(WorkflowRunName name) {
      this.name = name;
      return this;
    }

    public Builder connection(ConnectionName connection) {
      this.connection = connection;
      return this;
    }

    public Builder appSession(ServiceTokenKey appSession) {
      this.appSession = appSession;
      return this;
    }

    public Builder workflowId(String workflowId) {
      this.workflowId = workflowId;
      return this;
    }

    public Builder botId(String botId) {
      this.botId = botId;
      return this;
    }

    public Builder appId(String appId) {
      this.appId = appId;
      return this;
    }

    public Builder mode(WorkflowRunMode mode) {
      this.mode = mode;
      return this;
    }

    public Builder state(WorkflowRunState state) {
      this.state = state;
      return this;
    }

    public Builder requestId(String requestId) {
      this.requestId = requestId;
      return this;
    }

    public Builder requestDigest(String requestDigest) {
      this.requestDigest = requestDigest;
      return this;
    }

    public Builder executeId(String executeId) {
      this.executeId = executeId;
      return this;
    }

    public Builder output(String output) {
      this.output = output;
      return this;
    }

    public Builder debugUrl(String debugUrl) {
      this.debugUrl = debugUrl;
      return this;
    }

    public Builder usage(WorkflowUsage usage) {
      this.usage = usage;
      return this;
    }

    public Builder interrupt(WorkflowInterrupt interrupt) {
      this.interrupt = interrupt;
      return this;
    }

    public Builder error(WorkflowRunError error) {
      this.error = error;
      return this;
    }

    public Builder resumeCount(int resumeCount) {
      this.resumeCount = resumeCount;
      return this;
    }

    public Builder logId(String logId) {
      this.logId = logId;
      return this;
    }

    public Builder createTime(Instant createTime) {
      this.createTime = createTime;
      return this;
    }

    public Builder updateTime(Instant updateTime) {
      this.updateTime = updateTime;
      return this;
    }

    public Builder checkTime(Instant checkTime) {
      this.checkTime = checkTime;
      return this;
    }

    public Builder pollCount(int pollCount) {
      this.pollCount = pollCount;
      return this;
    }

    public Builder version(long version) {
      this.version = version;
      return this;
    }

    /** The next version, changed at {@code now}: what every write of an existing run uses. */
    public Builder nextVersion(Instant now) {
      this.version = version + 1;
      this.updateTime = now;
      return this;
    }

    public WorkflowRun build() {
      return new WorkflowRun(
          name,
          connection,
          appSession,
          workflowId,
          botId,
          appId,
          mode,
          state,
          requestId,
          requestDigest,
          executeId,
          output,
          debugUrl,
          usage,
          interrupt,
          error,
          resumeCount,
          logId,
          createTime,
          updateTime,
          checkTime,
          pollCount,
          version);
    }
  }
}
