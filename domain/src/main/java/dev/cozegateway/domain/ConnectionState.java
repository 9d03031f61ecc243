package dev.cozegateway.domain;

/** The lifecycle of a connection. */
public enum ConnectionState {
  /** Tokens are valid or refreshable. */
  ACTIVE,
  /** Coze rejected the refresh token; the end user must authorize again. Kept, never deleted. */
  NEEDS_REAUTHORIZATION,
  /** Revoked; the tokens were discarded. */
  REVOKED
}
