package dev.cozegateway.domain;

import java.util.Objects;

/**
 * Why a run failed.
 *
 * @param reason a stable {@link Reason} name
 * @param message for people; never holds a token
 * @param cozeCode Coze's error code, or empty if the failure was the gateway's
 * @param cozeLogId Coze's log id of the failing call, or empty
 */
public record WorkflowRunError(String reason, String message, String cozeCode, String cozeLogId) {
  public WorkflowRunError {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
    cozeCode = cozeCode == null ? "" : cozeCode;
    cozeLogId = cozeLogId == null ? "" : cozeLogId;
  }
}
