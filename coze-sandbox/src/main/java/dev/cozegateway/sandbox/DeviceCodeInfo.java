package dev.cozegateway.sandbox;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the sandbox knows about one device code it issued (§3.8). Test-only: a real server exposes
 * nothing like this.
 *
 * @param deviceCode the device code the client polls with
 * @param userCode the code the user types, like {@code WDJB-MJHT}
 * @param clientId the device app it was issued to
 * @param workspaceId the workspace of the workspace-scoped device-code endpoint, or {@code null}
 * @param state {@value #PENDING}, {@value #APPROVED}, {@value #DENIED}, {@value #REDEEMED} or
 *     {@value #EXPIRED} (past its lifetime on the sandbox clock and never redeemed)
 * @param expiresAt when both codes expire, on the sandbox clock
 * @param polls the time of every token poll with this code by its own client, oldest first, each
 *     recorded before the answer was decided; on the poll clock of {@link CozeSandbox#devicePolls},
 *     so the differences are the client's real polling intervals
 */
public record DeviceCodeInfo(
    String deviceCode,
    String userCode,
    String clientId,
    String workspaceId,
    String state,
    Instant expiresAt,
    List<Instant> polls) {
  /** Waiting for the user. */
  public static final String PENDING = "pending";

  /** Approved by the user; the next poll in time gets tokens. */
  public static final String APPROVED = "approved";

  /** Denied by the user; polls get {@code access_denied}. */
  public static final String DENIED = "denied";

  /** Redeemed for tokens once; further polls are refused. */
  public static final String REDEEMED = "redeemed";

  /** Past its lifetime without being redeemed; polls get {@code expired_token}. */
  public static final String EXPIRED = "expired";

  public DeviceCodeInfo {
    Objects.requireNonNull(deviceCode, "deviceCode");
    Objects.requireNonNull(userCode, "userCode");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(expiresAt, "expiresAt");
    polls = List.copyOf(polls);
  }

  @Override
  public String toString() {
    // The device code is a bearer credential until redeemed; keep it out of reports.
    return "DeviceCodeInfo[userCode="
        + userCode
        + ", clientId="
        + clientId
        + ", workspaceId="
        + workspaceId
        + ", state="
        + state
        + ", polls="
        + polls.size()
        + "]";
  }
}
