package dev.cozegateway.domain;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What a device authorization shows the end user, and when the gateway polls Coze for it next. The
 * device code itself is a secret, sealed in the authorization's {@code secrets}.
 *
 * @param userCode what the end user types at {@code verificationUri}
 * @param verificationUri where the end user goes
 * @param verificationUriComplete the same with the user code filled in
 * @param interval the pause between polls: Coze's {@code interval}, plus 5 s per {@code slow_down}
 * @param nextPollTime when any replica may poll next; a replica claims a poll by moving it forward
 *     (compare-and-set on the authorization's version)
 * @param workspaceId the Coze workspace the authorization is scoped to, or empty
 * @param polls how many polls were made, for diagnostics
 */
public record DeviceGrant(
    String userCode,
    URI verificationUri,
    URI verificationUriComplete,
    Duration interval,
    Instant nextPollTime,
    String workspaceId,
    int polls) {
  public DeviceGrant {
    Objects.requireNonNull(userCode, "userCode");
    Objects.requireNonNull(verificationUri, "verificationUri");
    Objects.requireNonNull(verificationUriComplete, "verificationUriComplete");
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(nextPollTime, "nextPollTime");
    workspaceId = workspaceId == null ? "" : workspaceId;
  }

  /** This grant with the next poll at {@code time}, one poll later. */
  public DeviceGrant polledUntil(Instant time) {
    return new DeviceGrant(
        userCode, verificationUri, verificationUriComplete, interval, time, workspaceId, polls + 1);
  }

  /**
   * This grant after a poll answered {@code slow_down}: the interval 5 s longer, the next poll one
   * (longer) interval after {@code now}.
   */
  public DeviceGrant slowedDown(Instant now) {
    Duration longer = interval.plusSeconds(5);
    return new DeviceGrant(
        userCode,
        verificationUri,
        verificationUriComplete,
        longer,
        now.plus(longer),
        workspaceId,
        polls + 1);
  }

  /** This grant with the next poll moved to {@code time} (a claim), the count unchanged. */
  public DeviceGrant claimedUntil(Instant time) {
    return new DeviceGrant(
        userCode, verificationUri, verificationUriComplete, interval, time, workspaceId, polls);
  }
}
