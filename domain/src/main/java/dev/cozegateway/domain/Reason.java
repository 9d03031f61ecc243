package dev.cozegateway.domain;

/**
 * Stable, machine-readable reasons for failures. Clients branch on these (they travel as {@code
 * google.rpc.ErrorInfo.reason}); never rename one.
 */
public enum Reason {
  /** A request field is missing or malformed. */
  INVALID_ARGUMENT,
  /** A resource name does not match its pattern. */
  INVALID_RESOURCE_NAME,
  /** The app named in a request is not configured. */
  APP_NOT_FOUND,
  /** The app exists but cannot be used for this operation (e.g. a JWT app in a web flow). */
  APP_TYPE_NOT_SUPPORTED,
  /** The return URI is not on the app's allowlist. */
  RETURN_URI_NOT_ALLOWED,
  /** The connection does not exist. */
  CONNECTION_NOT_FOUND,
  /** The authorization does not exist. */
  AUTHORIZATION_NOT_FOUND,
  /** The OAuth state is unknown, was already used, or belongs to no pending authorization. */
  AUTHORIZATION_STATE_INVALID,
  /** The pending authorization expired before it was completed. */
  AUTHORIZATION_EXPIRED,
  /** The authorization is not pending any more (completed, denied, expired or failed). */
  AUTHORIZATION_NOT_PENDING,
  /** The end user (or Coze) denied the authorization. */
  AUTHORIZATION_DENIED,
  /** Coze rejected the authorization code. */
  CODE_EXCHANGE_FAILED,
  /** The connection's refresh token was rejected; the end user must authorize again. */
  NEEDS_REAUTHORIZATION,
  /** Coze rejected the app's credentials or type: a gateway configuration problem. */
  APP_MISCONFIGURED,
  /** Coze could not be reached or answered with a transient error. Retry with backoff. */
  COZE_UNAVAILABLE,
  /** The gateway's store could not be reached. Retry with backoff. */
  STORE_UNAVAILABLE,
  /** A request with this request_id was already made with different arguments. */
  REQUEST_ID_CONFLICT,
  /** Stored data failed its integrity check (e.g. decryption with the wrong key). */
  DATA_CORRUPT,
  /** The workflow run does not exist (or has expired under the retention period). */
  WORKFLOW_RUN_NOT_FOUND,
  /** Coze does not know the workflow, or it is not published. */
  WORKFLOW_NOT_FOUND,
  /** Coze refused the workflow call's parameters. */
  WORKFLOW_INVALID_PARAMETERS,
  /** The connection's token lacks permission for the workflow or its workspace. */
  WORKFLOW_PERMISSION_DENIED,
  /** Asynchronous runs are not available on the Coze account's plan. */
  WORKFLOW_ASYNC_NOT_ALLOWED,
  /** The run is not in a state that allows the operation (e.g. resuming a finished run). */
  WORKFLOW_RUN_STATE_INVALID,
  /** The run was resumed as often as Coze allows (3 times). */
  WORKFLOW_RESUME_LIMIT_REACHED,
  /** Coze answered a workflow call with an error the gateway has no better reason for. */
  WORKFLOW_FAILED,
  /** The operation is not built yet. */
  NOT_IMPLEMENTED
}
