package dev.cozegateway.application;

import java.time.Duration;
import java.util.Objects;

/**
 * How the workflow use cases pace and bound runs.
 *
 * @param syncTimeout how long a synchronous run (or non-stream resume) may take before the gateway
 *     deems it abandoned if its process died (Coze cuts synchronous runs after 90 s)
 * @param streamTimeout the same for a streamed run or resume (Coze's workflows time out after 10
 *     minutes)
 * @param asyncTimeout how long the gateway polls an async run before failing it (Coze: 24 h)
 * @param firstPoll how soon after starting an async run the gateway first asks Coze about it
 * @param maxPollInterval the longest pause between two polls of one run; pauses double up to it
 * @param pollClaim how long a replica's claim on a poll lasts: if it dies mid-poll, another replica
 *     polls the run this long after
 * @param retention how long a run is kept after it last changed, once nothing is left to do for it
 */
public record WorkflowSettings(
    Duration syncTimeout,
    Duration streamTimeout,
    Duration asyncTimeout,
    Duration firstPoll,
    Duration maxPollInterval,
    Duration pollClaim,
    Duration retention) {

  /** The most the serialized parameters may take, in bytes (UTF-8). */
  public static final int MAX_PARAMETERS_BYTES = 1 << 20;

  /** The deepest the parameters may nest. */
  public static final int MAX_PARAMETERS_DEPTH = 32;

  public WorkflowSettings {
    requirePositive(syncTimeout, "syncTimeout");
    requirePositive(streamTimeout, "streamTimeout");
    requirePositive(asyncTimeout, "asyncTimeout");
    requirePositive(firstPoll, "firstPoll");
    requirePositive(maxPollInterval, "maxPollInterval");
    requirePositive(pollClaim, "pollClaim");
    requirePositive(retention, "retention");
  }

  /** The defaults: 3 min, 15 min, 25 h, 1 s, 30 s, 1 min, 30 days. */
  public static WorkflowSettings defaults() {
    return new WorkflowSettings(
        Duration.ofMinutes(3),
        Duration.ofMinutes(15),
        Duration.ofHours(25),
        Duration.ofSeconds(1),
        Duration.ofSeconds(30),
        Duration.ofMinutes(1),
        Duration.ofDays(30));
  }

  public WorkflowSettings withRetention(Duration newRetention) {
    return new WorkflowSettings(
        syncTimeout,
        streamTimeout,
        asyncTimeout,
        firstPoll,
        maxPollInterval,
        pollClaim,
        newRetention);
  }

  public WorkflowSettings withPolling(Duration newFirstPoll, Duration newMaxPollInterval) {
    return new WorkflowSettings(
        syncTimeout,
        streamTimeout,
        asyncTimeout,
        newFirstPoll,
        newMaxPollInterval,
        pollClaim,
        retention);
  }

  public WorkflowSettings withTimeouts(Duration sync, Duration stream, Duration async) {
    return new WorkflowSettings(
        sync, stream, async, firstPoll, maxPollInterval, pollClaim, retention);
  }

  /** The pause before the poll after {@code polls} earlier ones: doubling, capped. */
  Duration pollPause(int polls) {
    Duration pause = firstPoll;
    for (int i = 0; i < polls && pause.compareTo(maxPollInterval) < 0; i++) {
      pause = pause.multipliedBy(2);
    }
    return pause.compareTo(maxPollInterval) > 0 ? maxPollInterval : pause;
  }

  private static void requirePositive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}
