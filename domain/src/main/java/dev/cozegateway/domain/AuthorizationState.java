package dev.cozegateway.domain;

/** The lifecycle of an authorization. Every state but PENDING is terminal. */
public enum AuthorizationState {
  PENDING,
  COMPLETED,
  DENIED,
  EXPIRED,
  FAILED,
  /** Cancelled by the caller before the end user finished (device authorizations stop polling). */
  CANCELLED
}
