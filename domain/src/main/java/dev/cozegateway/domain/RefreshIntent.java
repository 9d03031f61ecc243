package dev.cozegateway.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * A refresh under way, written to the connection before its refresh token is sent to Coze and
 * cleared by the write that stores the new tokens (a write-ahead record). Found on a connection by
 * anyone but its owner, it says that a refresh was started and its outcome is not known: Coze may
 * never have received the token, or may have rotated it and the answer was lost with the owner.
 *
 * @param owner which gateway process started it (for logs and diagnostics; not a secret)
 * @param startTime when it was written, just before the refresh token was sent
 */
public record RefreshIntent(String owner, Instant startTime) {
  public RefreshIntent {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(startTime, "startTime");
    if (owner.isBlank()) {
      throw new IllegalArgumentException("owner must not be blank");
    }
  }
}
